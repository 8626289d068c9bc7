package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/scenarios"
)

func newImagesCmd(app *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List the images a lab needs, and carry them to a host without a registry",
		Long: `The images of a lab: the kind node image of each cluster, the CNI and add-on images netlab loads
into the nodes, and netlab's own image (the probe and the transit gateway), which netlab builds on
every host from its own binary. 'netlab up' uses the same list.

On a host with registry access, 'images save' writes every image a scenario needs from a registry
into one bundle file; on a host without one, 'images load' reads it into the Docker engine, and
'netlab up --offline' then uses those images and pulls nothing.`,
		Example: `  netlab images list tgw-two-vpc
  netlab images save flannel-basic -o flannel-basic.tar       # on a connected host
  netlab images load flannel-basic.tar                        # on the air-gapped host
  netlab up flannel-basic --offline`,
	}
	cmd.AddCommand(newImagesListCmd(), newImagesSaveCmd(app), newImagesLoadCmd(app))
	return cmd
}

// imagesPlan plans the scenario of an 'images' command the way 'up' does (same default scenario,
// same node image override), so that both see the same images.
func imagesPlan(args []string, nodeImage string, stderr io.Writer) (*plan.Plan, string, error) {
	arg := scenarios.Default
	if len(args) == 1 {
		arg = args[0]
	}
	if nodeImage == "" {
		nodeImage = os.Getenv("NETLAB_NODE_IMAGE")
	}
	p, _, err := buildPlan(arg, plan.Options{NodeImage: nodeImage}, stderr)
	return p, arg, err
}

const nodeImageUsage = "kind node image for every cluster, as given to 'netlab up' (env NETLAB_NODE_IMAGE)"

func newImagesListCmd() *cobra.Command {
	var output, nodeImage string
	cmd := &cobra.Command{
		Use:   "list [FILE|NAME]",
		Short: "List every image a scenario's lab needs, and whether this host has it",
		Long: `List prints every image the lab of a scenario needs, with its role, the clusters that need it,
whether the host's Docker engine has it, and its image ID (and registry digest, for a pulled image).
netlab's own image is built by 'netlab up' from this binary; its tag names the binary's hash.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "table", "json"); err != nil {
				return err
			}
			p, _, err := imagesPlan(args, nodeImage, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			local, err := provision.HostImages(ctx, p)
			if err != nil {
				return fail(exitFailed, err)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(local)
			}
			return writeImageTable(cmd.OutOrStdout(), local, true)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.Flags().StringVar(&nodeImage, "node-image", "", nodeImageUsage)
	return cmd
}

// writeImageTable writes images as the host has them, one line each.
func writeImageTable(w io.Writer, local []labimages.Local, clusters bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "IMAGE\tROLE\tPRESENT\tID\tREGISTRY DIGEST"
	if clusters {
		head = "IMAGE\tROLE\tCLUSTERS\tPRESENT\tID\tREGISTRY DIGEST"
	}
	fmt.Fprintln(tw, head)
	for _, im := range local {
		present, id, digest := "no", "-", "-"
		switch {
		case im.Present:
			present, id = "yes", shortID(im.ID)
			if len(im.RepoDigests) > 0 {
				digest = shortDigest(im.RepoDigests[0])
			}
		case im.Role == labimages.Self:
			present = "no (built by 'netlab up')"
		}
		role := string(im.Role)
		if im.Component != "" {
			role += " (" + im.Component + ")"
		}
		if clusters {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", im.Ref, role, strings.Join(im.Clusters, ","), present, id, digest)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", im.Ref, role, present, id, digest)
		}
	}
	return tw.Flush()
}

// shortID is "sha256:" and the first 12 hex digits of an image ID, as 'docker images' shows IDs.
func shortID(id string) string {
	if algo, hex, ok := strings.Cut(id, ":"); ok && len(hex) > 12 {
		return algo + ":" + hex[:12]
	}
	return id
}

// shortDigest is the digest of a repo digest (name@sha256:…), shortened as shortID.
func shortDigest(rd string) string {
	if _, d, ok := strings.Cut(rd, "@"); ok {
		return shortID(d)
	}
	return shortID(rd)
}

func newImagesSaveCmd(app *cli) *cobra.Command {
	var out, nodeImage string
	var offline bool
	cmd := &cobra.Command{
		Use:   "save [FILE|NAME] -o BUNDLE",
		Short: "Write every image a scenario needs from a registry into one bundle file",
		Long: `Save pulls any image of the scenario's lab that this host lacks (unless --offline), then writes them
all into one tar file: a manifest (netlab-bundle.json: the scenario, the lab, the netlab version and
each image's reference and ID) followed by the images as the Docker engine saves them. The file is
also a valid archive for 'docker load'. netlab's own image is not in it: every netlab builds its
own from its binary. Progress, in bytes, goes to stderr.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return failf(exitUsage, "images save needs the bundle's file: -o BUNDLE.tar")
			}
			p, arg, err := imagesPlan(args, nodeImage, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			st := app.status(cmd.ErrOrStderr())
			tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
			if err != nil {
				return failf(exitFailed, "cannot write the bundle next to %s: %v", out, err)
			}
			defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename; removes a half-written file otherwise
			m, err := provision.SaveImages(ctx, p, arg, offline || os.Getenv("NETLAB_OFFLINE") == "1", tmp, st)
			if cerr := tmp.Close(); err == nil && cerr != nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), 0o644) // CreateTemp makes it private; a bundle is for sharing
			}
			if err == nil {
				err = os.Rename(tmp.Name(), out)
			}
			if err != nil {
				return fail(exitFailed, fmt.Errorf("images save %s: %w", arg, err))
			}
			fi, _ := os.Stat(out)
			size := int64(0)
			if fi != nil {
				size = fi.Size()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %s (%s): %d image(s) of scenario %s for netlab %s. Load it with 'netlab images load %s'.\n",
				out, status.Bytes(size), len(m.Images), m.Scenario, m.Netlab, filepath.Base(out))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the bundle file to write (required)")
	cmd.Flags().StringVar(&nodeImage, "node-image", "", nodeImageUsage)
	cmd.Flags().BoolVar(&offline, "offline", false, "never pull; fail naming any image this host lacks (env NETLAB_OFFLINE=1)")
	return cmd
}

func newImagesLoadCmd(app *cli) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "load BUNDLE",
		Short: "Read a bundle written by 'netlab images save' into the Docker engine",
		Long: `Load reads a bundle into the host's Docker engine, with progress in bytes on stderr, checking it on the
way (its manifest first, then that the archive is whole; a damaged file loads nothing), and then
reports which of the bundle's images the host now has. 'netlab up --offline' can then create the
bundle's scenario without a registry.

Exit status: 0 when every image of the bundle is present, 1 otherwise or when the file is refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "table", "json"); err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			m, local, err := provision.LoadImages(ctx, args[0], app.status(cmd.ErrOrStderr()))
			if err != nil {
				return fail(exitFailed, err)
			}
			var missing []string
			for _, im := range local {
				if !im.Present {
					missing = append(missing, im.Ref)
				}
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"bundle": args[0], "manifest": m, "images": local}); err != nil {
					return failf(exitFailed, "writing the JSON result: %v", err)
				}
			} else {
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "Bundle %s: scenario %s (lab %s), written by netlab %s on %s.\n", args[0], m.Scenario, m.Lab, m.Netlab, m.Created.Format("2006-01-02 15:04 MST"))
				if err := writeImageTable(w, local, false); err != nil {
					return err
				}
			}
			if len(missing) > 0 {
				return failf(exitFailed, "after loading %s, the host still lacks %s (a reference pinned by a registry digest is known by its tag only after a load; give 'netlab up' that tag with --node-image)", args[0], strings.Join(missing, ", "))
			}
			if output != "json" {
				fmt.Fprintf(cmd.OutOrStdout(), "Every image is present. Next: netlab up %s%s --offline\n", m.Scenario, nodeImageArg(m))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// nodeImageArg is " --node-image REF" when the bundle holds exactly one node image, so that the
// suggested 'up' uses the image the bundle brought whatever the scenario's default.
func nodeImageArg(m labimages.Manifest) string {
	var refs []string
	for _, im := range m.Images {
		if im.Role == labimages.Node {
			refs = append(refs, im.Ref)
		}
	}
	if len(refs) != 1 {
		return ""
	}
	return " --node-image " + refs[0]
}
