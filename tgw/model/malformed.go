package model

import "strings"

// EC2's Malformed codes: an id that does not have its resource's shape (prefix, a dash, 8 or 17 hex
// digits) is refused as malformed before it is looked up, and clients branch on the difference (a
// malformed id is a bug in the caller; a NotFound id may be eventual consistency). The casing is
// AWS's own and differs between resources (InvalidRouteTableID.NotFound, InvalidRouteTableId.Malformed),
// as listed in the EC2 API reference's error codes; transit gateway route tables share the route
// table codes (steampipe-plugin-aws's aws_ec2_transit_gateway_route_table ignores
// InvalidRouteTableID.NotFound and InvalidRouteTableId.Malformed for DescribeTransitGatewayRouteTables).
const (
	CodeVpcMalformed              = "InvalidVpcID.Malformed"
	CodeSubnetMalformed           = "InvalidSubnetID.Malformed"
	CodeNetworkInterfaceMalformed = "InvalidNetworkInterfaceId.Malformed"
	CodeRouteTableMalformed       = "InvalidRouteTableId.Malformed"
	CodeTransitGatewayMalformed   = "InvalidTransitGatewayID.Malformed"
	CodeAttachmentMalformed       = "InvalidTransitGatewayAttachmentID.Malformed"
)

// wellFormed reports whether id is prefix-XXXXXXXX or prefix-XXXXXXXXXXXXXXXXX (lower-case hex), the
// two shapes EC2 ids take.
func wellFormed(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckID returns the Malformed error of the resource kind whose id prefix is given (vpc, subnet,
// eni, rtb, tgw, tgw-attach, tgw-rtb) when id does not have that kind's shape, else nil.
func CheckID(prefix, id string) error {
	k, ok := kindsByPrefix[prefix]
	if !ok || wellFormed(id, prefix) {
		return nil
	}
	return errf(k.malformed, "Invalid id: \"%s\" (expecting \"%s-...\")", id, prefix)
}

// KindOfID returns the kind prefix of an id (the longest known prefix it starts with) and the
// kind's NotFound code, for calls that take ids of any kind (CreateTags, DeleteTags). ok is false for
// a prefix netlab does not serve.
func KindOfID(id string) (prefix, notFound string, ok bool) {
	best := ""
	for p := range kindsByPrefix {
		if strings.HasPrefix(id, p+"-") && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return "", "", false
	}
	return best, kindsByPrefix[best].notFound, true
}
