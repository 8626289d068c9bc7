package model

import "sort"

// kind names one kind of resource for lookups: the request parameter that carries its id and the
// error AWS returns when no resource has that id.
type kind struct {
	param    string // e.g. VpcId
	notFound string // the NotFound error code
	message  string // the NotFound message, with one %s for the id
}

var (
	kindVPC           = kind{"VpcId", CodeVpcNotFound, "The vpc ID '%s' does not exist"}
	kindSubnet        = kind{"SubnetId", CodeSubnetNotFound, "The subnet ID '%s' does not exist"}
	kindENI           = kind{"NetworkInterfaceId", CodeNetworkInterfaceNotFound, "The networkInterface ID '%s' does not exist"}
	kindVPCRouteTable = kind{"RouteTableId", CodeRouteTableNotFound, "The routeTable ID '%s' does not exist"}
	kindTGW           = kind{"TransitGatewayId", CodeTransitGatewayNotFound, "Transit Gateway %s was deleted or does not exist."}
	kindAttachment    = kind{"TransitGatewayAttachmentId", CodeAttachmentNotFound, "Transit Gateway Attachment %s was deleted or does not exist."}
	kindRouteTable    = kind{"TransitGatewayRouteTableId", CodeRouteTableNotFound, "Transit Gateway Route Table %s was deleted or does not exist."}
)

// lookup returns the resource with an id from one of the state's maps: MissingParameter when the id
// is empty, the kind's NotFound error when no resource has it.
func lookup[V any](m map[string]*V, k kind, id string) (*V, error) {
	if id == "" {
		return nil, errf(CodeMissingParameter, "The request must contain the parameter %s", k.param)
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
