package model

import (
	"errors"
	"fmt"
)

// EC2 error codes the model returns. They are the codes AWS's EC2 API returns for the same mistakes,
// so a client written against AWS handles them unchanged.
const (
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeMissingParameter         = "MissingParameter"
	CodeTransitGatewayNotFound   = "InvalidTransitGatewayID.NotFound"
	CodeRouteTableNotFound       = "InvalidRouteTableID.NotFound"
	CodeAttachmentNotFound       = "InvalidTransitGatewayAttachmentID.NotFound"
	CodeRouteAlreadyExists       = "RouteAlreadyExists"
	CodeRouteNotFound            = "InvalidRoute.NotFound"
	CodeAlreadyAssociated        = "Resource.AlreadyAssociated"
	CodeAssociationNotFound      = "InvalidAssociation.NotFound"
	CodeIncorrectState           = "IncorrectState"
	CodePropagationDuplicate     = "TransitGatewayRouteTablePropagation.Duplicate"
	CodePropagationNotFound      = "TransitGatewayRouteTablePropagation.NotFound"
	CodeDuplicateAttachment      = "DuplicateTransitGatewayAttachment"
	CodeVpcNotFound              = "InvalidVpcID.NotFound"
	CodeSubnetNotFound           = "InvalidSubnetID.NotFound"
	CodeSubnetRange              = "InvalidSubnet.Range"
	CodeSubnetConflict           = "InvalidSubnet.Conflict"
	CodeVpcRange                 = "InvalidVpc.Range"
	CodeCidrConflict             = "InvalidVpc.CidrConflict"
	CodeNetworkInterfaceNotFound = "InvalidNetworkInterfaceID.NotFound"
	CodeIPAddressInUse           = "InvalidIPAddress.InUse"
	CodeDependencyViolation      = "DependencyViolation"
	// CodeDuplicateSubnetsInSameZone: two subnets of one Availability Zone in one VPC attachment (AWS
	// Serverless Transit Network Orchestrator branches on it for ModifyTransitGatewayVpcAttachment).
	CodeDuplicateSubnetsInSameZone = "DuplicateSubnetsInSameZone"
)

// Error is an EC2 API error: a code from the list above and a message in AWS's style.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errf(code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the EC2 error code of err, or "" when err is not a model error.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
