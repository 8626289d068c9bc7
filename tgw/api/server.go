// Package api serves the transit gateway's state through the EC2 Query API: POST / with a
// form-encoded body (Action=…&Version=2016-11-15), SigV4-signed with the lab's credentials (Options.Credentials,
// checked in sigv4.go), XML replies in EC2's namespace, EC2 error bodies with HTTP 400.
//
// Every mutating call changes a copy of the state; only when the call succeeds is the copy saved to
// the state file and made current, and then the datapath is reconciled to it. A failed call leaves
// the state as it was.
package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netlab-dev/netlab/tgw/datapath"
	"github.com/netlab-dev/netlab/tgw/model"
)

// Namespace is the XML namespace of EC2 replies.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// APIVersion is the EC2 API version the server speaks.
const APIVersion = "2016-11-15"

// OwnerID is the account id shown as the owner of every resource.
const OwnerID = "000000000000"

// Datapath is what the server drives after each change: the Linux kernel in the TGW container
// (datapath.Kernel), or a fake in tests.
type Datapath interface {
	Apply(*model.State) (datapath.Result, error)
	// Addresses lists the TGW's own interface addresses; an attachment's leg in a subnet is the
	// address inside that subnet.
	Addresses() ([]datapath.LocalAddr, error)
	Counters() ([]datapath.Counter, error)
	Routes() ([]datapath.KernelRoute, error)
}

// Options configure a Server.
type Options struct {
	// StateFile is where the state is kept across restarts; "" keeps it in memory only.
	StateFile string
	// Datapath is reconciled after every change; nil means none (state only).
	Datapath Datapath
	// Region is the region shown in ARNs and availability zones (default us-east-1).
	Region string
	// Logf logs reconcile problems and requests; nil is silent.
	Logf func(format string, args ...any)
	// IDs makes resource ids (nil: random AWS-style ids); tests use model.Sequential().
	IDs func(prefix string) string
	// Credentials, when set, are the only access key the API accepts: every request must carry a
	// valid SigV4 signature made with them. Nil accepts any SigV4-shaped Authorization header.
	Credentials *Credentials
}

// Server is the EC2 Query API endpoint of the transit gateway.
type Server struct {
	opt     Options
	mu      sync.Mutex
	st      *model.State
	lastErr error
	lastMsg string
	lastRes datapath.Result
}

// New loads the state (from Options.StateFile when it exists, else empty), reconciles the datapath to
// it and returns the server.
func New(o Options) (*Server, error) {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	st := model.New()
	if o.StateFile != "" {
		b, err := os.ReadFile(o.StateFile)
		switch {
		case err == nil:
			st, err = model.Unmarshal(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.StateFile, err)
			}
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, err
		}
	}
	st.IDs = o.IDs
	s := &Server{opt: o, st: st}
	s.mu.Lock()
	s.reconcileLocked()
	s.mu.Unlock()
	return s, nil
}

// Reconcile applies the current state to the datapath again and returns the datapath's error.
func (s *Server) Reconcile() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reconcileLocked()
	return s.lastErr
}

func (s *Server) reconcileLocked() {
	if s.opt.Datapath == nil {
		return
	}
	res, err := s.opt.Datapath.Apply(s.st)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	msg += strings.Join(res.Warnings, "\n")
	if msg != s.lastMsg { // log problems once, not on every resync
		for _, w := range res.Warnings {
			s.opt.Logf("tgw datapath: %s", w)
		}
		if err != nil {
			s.opt.Logf("tgw datapath: %v", err)
		}
	}
	s.lastRes, s.lastErr, s.lastMsg = res, err, msg
}

// State returns a copy of the current state.
func (s *Server) State() *model.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Clone()
}

func (s *Server) save(st *model.State) error {
	if s.opt.StateFile == "" {
		return nil
	}
	b, err := st.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.opt.StateFile), 0o755); err != nil {
		return err
	}
	tmp := s.opt.StateFile + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.opt.StateFile)
}

// mutate runs f on a copy of the state; on success the copy is saved and becomes current, and the
// datapath is reconciled.
func (s *Server) mutate(f func(st *model.State) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.st.Clone()
	out, err := f(next)
	if err != nil {
		return nil, err
	}
	if err := s.save(next); err != nil {
		return nil, &model.Error{Code: "InternalError", Message: "saving the transit gateway state: " + err.Error()}
	}
	s.st = next
	s.reconcileLocked()
	return out, nil
}

// read runs f on the current state.
func (s *Server) read(f func(st *model.State) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s.st)
}

// addressFinder finds the TGW's own address inside a subnet.
func (s *Server) addressFinder() model.AddressFinder {
	var addrs []datapath.LocalAddr
	if s.opt.Datapath != nil {
		var err error
		addrs, err = s.opt.Datapath.Addresses()
		if err != nil {
			s.opt.Logf("tgw: listing the interface addresses: %v", err)
		}
	}
	return func(p netip.Prefix) (netip.Addr, bool) {
		for _, a := range addrs {
			if p.Contains(a.Prefix.Addr()) {
				return a.Prefix.Addr(), true
			}
		}
		return netip.Addr{}, false
	}
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

type xError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type xErrorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Errors    []xError `xml:"Errors>Error"`
	RequestID string   `xml:"RequestID"`
}

func writeError(w http.ResponseWriter, status int, code, msg, reqID string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	// A failed write means the client has gone: there is no one left to tell.
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(xErrorResponse{Errors: []xError{{Code: code, Message: msg}}, RequestID: reqID})
}

// ServeHTTP answers EC2 Query API requests on POST / and netlab's own JSON view on GET /netlab/routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID()
	if r.URL.Path == "/netlab/routes" && r.Method == http.MethodGet {
		s.serveRoutes(w)
		return
	}
	if r.URL.Path != "/" {
		writeError(w, http.StatusNotFound, "InvalidAction", "unknown path "+r.URL.Path, reqID)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "InvalidAction", "use POST", reqID)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "MalformedQueryString", err.Error(), reqID)
		return
	}
	if ae := s.authenticate(r, body); ae != nil {
		writeError(w, ae.status, ae.code, ae.message, reqID)
		s.opt.Logf("tgw api: refused a request from %s: %s", r.RemoteAddr, ae.code)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "MalformedQueryString", err.Error(), reqID)
		return
	}
	action := r.Form.Get("Action")
	// An unknown API version is NoSuchVersion, as the EC2 endpoint answers it (boto/boto3#1138:
	// "NoSuchVersion: The requested version (2010-03-31) of service AmazonEC2 does not exist"). netlab
	// speaks 2016-11-15 only; AWS still serves older versions.
	switch v := r.Form.Get("Version"); v {
	case APIVersion:
	case "":
		writeError(w, http.StatusBadRequest, "MissingParameter", "The request must contain the parameter Version", reqID)
		return
	default:
		writeError(w, http.StatusBadRequest, "NoSuchVersion", fmt.Sprintf("The requested version (%s) of service AmazonEC2 does not exist", v), reqID)
		return
	}
	h, ok := handlers[action]
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action), reqID)
		return
	}
	in := form{r.Form}
	if in.bool("DryRun") {
		writeError(w, http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", reqID)
		return
	}
	out, err := h(s, in)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			status := http.StatusBadRequest
			if me.Code == "InternalError" {
				status = http.StatusInternalServerError
			}
			writeError(w, status, me.Code, me.Message, reqID)
		} else {
			writeError(w, http.StatusInternalServerError, "InternalError", err.Error(), reqID)
		}
		s.opt.Logf("tgw api: %s: %v", action, err)
		return
	}
	s.opt.Logf("tgw api: %s ok", action)
	if v, ok := out.(interface{ setRequestID(string) }); ok {
		v.setRequestID(reqID)
	}
	var buf strings.Builder
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: Namespace}}}
	if err := enc.EncodeElement(out, start); err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error(), reqID)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	// A failed write means the client has gone: there is no one left to tell.
	_, _ = io.WriteString(w, xml.Header)
	_, _ = io.WriteString(w, buf.String())
}

// authenticate checks the request's signature: against Options.Credentials when set; without them
// (a server started by hand) only that the request carries an AWS4-HMAC-SHA256 Authorization header.
func (s *Server) authenticate(r *http.Request, body []byte) *authError {
	if s.opt.Credentials != nil {
		return verifySigV4(r, body, *s.opt.Credentials)
	}
	switch a := r.Header.Get("Authorization"); {
	case a == "":
		return missingToken()
	case !strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") || !strings.Contains(a, "Credential=") || !strings.Contains(a, "Signature="):
		return incomplete("the Authorization header is not AWS4-HMAC-SHA256 with Credential and Signature")
	}
	return nil
}

// RouteView is netlab's JSON view of one kernel route with its counters (GET /netlab/routes).
type RouteView struct {
	Dst          string `json:"dst"`
	Type         string `json:"type"` // static, propagated, blackhole, unrouted
	AttachmentID string `json:"attachmentId,omitempty"`
	VPCID        string `json:"vpcId,omitempty"`
	Via          string `json:"via,omitempty"`
	Dev          string `json:"dev,omitempty"`
	Blackhole    bool   `json:"blackhole,omitempty"`
	Packets      uint64 `json:"packets"`
	Bytes        uint64 `json:"bytes"`
	// CountersSince is when Packets and Bytes started counting (RFC 3339; "" when unknown). The
	// count carries on when the route is deleted and created again; when it did restart from zero
	// (the TGW server or its container restarted in between), this time moved: compare it between
	// two readings before comparing counts.
	CountersSince string `json:"countersSince,omitempty"`
	Installed     bool   `json:"installed"` // found in the kernel table
}

// TableView is one TGW route table as the kernel holds it.
type TableView struct {
	RouteTableID string      `json:"routeTableId"`
	Name         string      `json:"name,omitempty"`
	Kernel       int         `json:"kernelTable"`
	Associations []string    `json:"associations"`
	Routes       []RouteView `json:"routes"`
}

// RoutesView is the reply of GET /netlab/routes.
type RoutesView struct {
	Tables        []TableView `json:"tables"`
	DatapathError string      `json:"datapathError,omitempty"`
	Warnings      []string    `json:"warnings,omitempty"`
}

// Routes returns the kernel's view of every TGW route table with per-route counters.
func (s *Server) Routes() RoutesView {
	s.mu.Lock()
	st := s.st.Clone()
	lastErr, lastRes := s.lastErr, s.lastRes
	s.mu.Unlock()
	var v RoutesView
	if lastErr != nil {
		v.DatapathError = lastErr.Error()
	}
	v.Warnings = lastRes.Warnings
	d, _ := datapath.Plan(st)
	counters := map[string]datapath.Counter{}
	installed := map[string]datapath.KernelRoute{}
	if s.opt.Datapath != nil {
		cs, err := s.opt.Datapath.Counters()
		if err != nil && v.DatapathError == "" {
			v.DatapathError = err.Error()
		}
		for _, c := range cs {
			counters[fmt.Sprintf("%d|%s", c.Table, c.Dst)] = c
		}
		krs, err := s.opt.Datapath.Routes()
		if err != nil && v.DatapathError == "" {
			v.DatapathError = err.Error()
		}
		for _, kr := range krs {
			installed[fmt.Sprintf("%d|%s", kr.Table, kr.Dst)] = kr
		}
	}
	for _, rt := range st.ListRouteTables() {
		table := datapath.TableOf(rt)
		name, _ := model.TagValue(rt.Tags, "Name")
		tv := TableView{RouteTableID: rt.ID, Name: name, Kernel: table, Associations: []string{}, Routes: []RouteView{}}
		as, _ := st.Associations(rt.ID)
		for _, a := range as {
			tv.Associations = append(tv.Associations, a.ID)
		}
		for _, r := range d.Routes {
			if r.Table != table {
				continue
			}
			key := fmt.Sprintf("%d|%s", table, r.Dst)
			rv := RouteView{Dst: r.Dst.String(), Type: r.Type, AttachmentID: r.AttachmentID, Blackhole: r.Blackhole}
			if a, ok := st.Attachments[r.AttachmentID]; ok {
				rv.VPCID = a.VPCID
			}
			if r.Via.IsValid() {
				rv.Via = r.Via.String()
			}
			if kr, ok := installed[key]; ok {
				rv.Installed = true
				rv.Dev = kr.Dev
			}
			c := counters[key]
			rv.Packets, rv.Bytes, rv.CountersSince = c.Packets, c.Bytes, since(c)
			tv.Routes = append(tv.Routes, rv)
		}
		c := counters[fmt.Sprintf("%d|unrouted", table)]
		tv.Routes = append(tv.Routes, RouteView{Dst: "unrouted", Type: "unrouted", Packets: c.Packets, Bytes: c.Bytes, CountersSince: since(c), Installed: true})
		v.Tables = append(v.Tables, tv)
	}
	sort.SliceStable(v.Tables, func(i, j int) bool { return v.Tables[i].Kernel < v.Tables[j].Kernel })
	return v
}

func (s *Server) serveRoutes(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.Routes()) // a failed write means the client has gone
}

// since renders a counter's start time for RouteView ("" when unknown).
func since(c datapath.Counter) string {
	if c.Since.IsZero() {
		return ""
	}
	return c.Since.UTC().Format(time.RFC3339)
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
