package api

import (
	"fmt"

	"github.com/netlab-dev/netlab/tgw/model"
)

type handler func(s *Server, in form) (any, error)

// handlers maps each supported EC2 action to its handler.
var handlers = map[string]handler{
	"CreateTransitGateway":                       createTransitGateway,
	"DescribeTransitGateways":                    describeTransitGateways,
	"DeleteTransitGateway":                       deleteTransitGateway,
	"CreateTransitGatewayVpcAttachment":          createVpcAttachment,
	"DeleteTransitGatewayVpcAttachment":          deleteVpcAttachment,
	"DescribeTransitGatewayVpcAttachments":       describeVpcAttachments,
	"DescribeTransitGatewayAttachments":          describeAttachments,
	"CreateTransitGatewayRouteTable":             createRouteTable,
	"DescribeTransitGatewayRouteTables":          describeRouteTables,
	"DeleteTransitGatewayRouteTable":             deleteRouteTable,
	"AssociateTransitGatewayRouteTable":          associate,
	"DisassociateTransitGatewayRouteTable":       disassociate,
	"GetTransitGatewayRouteTableAssociations":    getAssociations,
	"EnableTransitGatewayRouteTablePropagation":  enablePropagation,
	"DisableTransitGatewayRouteTablePropagation": disablePropagation,
	"GetTransitGatewayRouteTablePropagations":    getPropagations,
	"CreateTransitGatewayRoute":                  createRoute,
	"DeleteTransitGatewayRoute":                  deleteRoute,
	"ReplaceTransitGatewayRoute":                 replaceRoute,
	"SearchTransitGatewayRoutes":                 searchRoutes,
	"CreateVpc":                                  createVpc,
	"DescribeVpcs":                               describeVpcs,
	"DeleteVpc":                                  deleteVpc,
	"AssociateVpcCidrBlock":                      associateVpcCidr,
	"CreateSubnet":                               createSubnet,
	"DescribeSubnets":                            describeSubnets,
	"DeleteSubnet":                               deleteSubnet,
	"CreateNetworkInterface":                     createENI,
	"DescribeNetworkInterfaces":                  describeENIs,
	"DeleteNetworkInterface":                     deleteENI,
	"DescribeRouteTables":                        describeVpcRouteTables,
	"CreateRoute":                                createVpcRoute,
	"ReplaceRoute":                               replaceVpcRoute,
	"DeleteRoute":                                deleteVpcRoute,
	"CreateTags":                                 createTags,
	"DeleteTags":                                 deleteTags,
}

func invalid(format string, args ...any) error {
	return &model.Error{Code: model.CodeInvalidParameterValue, Message: fmt.Sprintf(format, args...)}
}
