package client

import (
	"reflect"
	"testing"

	"github.com/netlab-dev/netlab/tgw/api"
)

func TestFilterByIDNameTagOrScenarioName(t *testing.T) {
	v := api.RoutesView{Tables: []api.TableView{
		{RouteTableID: "tgw-rtb-1", Name: "hub-spokes"},
		{RouteTableID: "tgw-rtb-2", Name: "hub-dmz"},
		{RouteTableID: "tgw-rtb-3", Name: "dmz"},
	}}
	ids := func(v api.RoutesView) []string {
		var out []string
		for _, t := range v.Tables {
			out = append(out, t.RouteTableID)
		}
		return out
	}
	for table, want := range map[string][]string{
		"":           {"tgw-rtb-1", "tgw-rtb-2", "tgw-rtb-3"},
		"tgw-rtb-2":  {"tgw-rtb-2"},
		"hub-spokes": {"tgw-rtb-1"},
		"spokes":     {"tgw-rtb-1"}, // the scenario's name of netlab's "<tgw>-<name>" tag
		"dmz":        {"tgw-rtb-3"}, // an exact Name tag wins over a suffix
		"other":      nil,
	} {
		if got := ids(FilterRoutes(v, table)); !reflect.DeepEqual(got, want) {
			t.Errorf("FilterRoutes(%q) = %v, want %v", table, got, want)
		}
	}
}
