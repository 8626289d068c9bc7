package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netlab-dev/netlab/tgw/api"
)

// FetchRoutes reads a running TGW's view of its route tables with per-route counters
// (GET ENDPOINT/netlab/routes).
func FetchRoutes(ctx context.Context, endpoint string) (api.RoutesView, error) {
	var v api.RoutesView
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/netlab/routes", nil)
	if err != nil {
		return v, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return v, fmt.Errorf("%s: %s: %s", endpoint, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return v, fmt.Errorf("%s: %w", endpoint, err)
	}
	return v, nil
}

// FilterRoutes keeps only the route table with the given id or Name tag ("" keeps all). When none
// matches exactly, the scenario's table name matches too: netlab tags its tables "<tgw>-<name>"
// (tgw/client), so "main" finds "tgw-main".
func FilterRoutes(v api.RoutesView, table string) api.RoutesView {
	if table == "" {
		return v
	}
	out := v
	out.Tables = nil
	for _, t := range v.Tables {
		if t.RouteTableID == table || t.Name == table {
			out.Tables = append(out.Tables, t)
		}
	}
	if len(out.Tables) == 0 {
		for _, t := range v.Tables {
			if strings.HasSuffix(t.Name, "-"+table) {
				out.Tables = append(out.Tables, t)
			}
		}
	}
	return out
}

// WriteRoutes prints the view like `ip route`, one block per route table.
func WriteRoutes(w io.Writer, v api.RoutesView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, t := range v.Tables {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		name := ""
		if t.Name != "" {
			name = " (" + t.Name + ")"
		}
		assoc := "none"
		if len(t.Associations) > 0 {
			assoc = strings.Join(t.Associations, ", ")
		}
		fmt.Fprintf(tw, "%s%s  kernel table %d  associated: %s\n", t.RouteTableID, name, t.Kernel, assoc)
		for _, r := range t.Routes {
			var line string
			switch {
			case r.Type == "unrouted":
				line = "  (no route: dropped)\t\t"
			case r.Blackhole:
				line = fmt.Sprintf("  blackhole %s\t%s\t", r.Dst, r.Type)
			default:
				line = "  " + r.Dst
				if r.Via != "" {
					line += " via " + r.Via
				}
				if r.Dev != "" {
					line += " dev " + r.Dev
				}
				line += fmt.Sprintf("\t%s %s %s\t", r.Type, r.AttachmentID, r.VPCID)
			}
			if !r.Installed {
				line += "NOT INSTALLED "
			}
			fmt.Fprintf(tw, "%spackets %d bytes %d\n", line, r.Packets, r.Bytes)
		}
	}
	if v.DatapathError != "" {
		fmt.Fprintf(tw, "\ndatapath error: %s\n", v.DatapathError)
	}
	for _, w := range v.Warnings {
		fmt.Fprintf(tw, "warning: %s\n", w)
	}
	return tw.Flush()
}
