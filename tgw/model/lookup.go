package model

import "sort"

// kind names one kind of resource for lookups: the request parameter that carries its id and the
// error AWS returns when no resource has that id.
type kind struct {
	param     string // e.g. VpcId
	prefix    string // the id prefix, e.g. vpc
	notFound  string // the NotFound error code
	message   string // the NotFound message, with one %s for the id
	malformed string // the Malformed error code (malformed.go)
}

var (
	kindVPC           = kind{"VpcId", "vpc", CodeVpcNotFound, "The vpc ID '%s' does not exist", CodeVpcMalformed}
	kindSubnet        = kind{"SubnetId", "subnet", CodeSubnetNotFound, "The subnet ID '%s' does not exist", CodeSubnetMalformed}
	kindENI           = kind{"NetworkInterfaceId", "eni", CodeNetworkInterfaceNotFound, "The networkInterface ID '%s' does not exist", CodeNetworkInterfaceMalformed}
	kindVPCRouteTable = kind{"RouteTableId", "rtb", CodeRouteTableNotFound, "The routeTable ID '%s' does not exist", CodeRouteTableMalformed}
	kindTGW           = kind{"TransitGatewayId", "tgw", CodeTransitGatewayNotFound, "Transit Gateway %s was deleted or does not exist.", CodeTransitGatewayMalformed}
	kindAttachment    = kind{"TransitGatewayAttachmentId", "tgw-attach", CodeAttachmentNotFound, "Transit Gateway Attachment %s was deleted or does not exist.", CodeAttachmentMalformed}
	kindRouteTable    = kind{"TransitGatewayRouteTableId", "tgw-rtb", CodeRouteTableNotFound, "Transit Gateway Route Table %s was deleted or does not exist.", CodeRouteTableMalformed}
)

// kindsByPrefix finds a kind by its id prefix (CheckID, KindOfID).
var kindsByPrefix = map[string]kind{
	"vpc": kindVPC, "subnet": kindSubnet, "eni": kindENI, "rtb": kindVPCRouteTable,
	"tgw": kindTGW, "tgw-attach": kindAttachment, "tgw-rtb": kindRouteTable,
}

// lookup returns the resource with an id from one of the state's maps: MissingParameter when the id
// is empty, the kind's Malformed error when it does not have the kind's shape, the kind's NotFound
// error when no resource has it.
func lookup[V any](m map[string]*V, k kind, id string) (*V, error) {
	if id == "" {
		return nil, errf(CodeMissingParameter, "The request must contain the parameter %s", k.param)
	}
	if !wellFormed(id, k.prefix) {
		return nil, errf(k.malformed, "Invalid id: \"%s\" (expecting \"%s-...\")", id, k.prefix)
	}
	v, ok := m[id]
	if !ok {
		return nil, errf(k.notFound, k.message, id)
	}
	return v, nil
}

// sortedValues returns a map's values sorted by key (never nil).
func sortedValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
