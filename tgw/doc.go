// Package tgw runs netlab's transit gateway: a routed container that joins VPCs (docker networks)
// through AWS-style route tables, managed through an EC2-compatible API.
//
// Subpackages:
//   - model: the state (VPCs, attachments, route tables, associations, propagations, routes) with
//     AWS's validation rules and error codes;
//   - datapath: Linux policy routing and per-route nftables counters reconciled from the state;
//   - api: the EC2 Query API server;
//   - client: Reconcile, which drives a TGW to a desired Spec through aws-sdk-go-v2.
//
// This package ties them into the server the TGW container runs (Serve, behind
// `netlab tgw serve`), and reads a running server's route view (FetchRoutes, behind
// `netlab tgw routes`). See docs/tgw.md.
package tgw
