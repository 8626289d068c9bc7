package api

import (
	"encoding/xml"

	"github.com/netlab-dev/netlab/tgw/model"
)

// reply is an action's answer: the request id, then either one element or a set of items, under the
// element name the action's reply uses in EC2 (e.g. transitGateway, vpcSet).
type reply[X any] struct {
	reqID
	name  string
	set   bool
	items []X
	// nextToken, when set, follows the set: the NextToken of a paginated Describe or Get call.
	nextToken string
}

// one answers with a single element.
func one[X any](name string, x X) *reply[X] { return &reply[X]{name: name, items: []X{x}} }

// set answers with a set of items (<name><item>…</item></name>).
func set[X any](name string, xs []X) *reply[X] { return &reply[X]{name: name, set: true, items: xs} }

// done is the answer of calls that return only <return>true</return>.
func done() *reply[bool] { return one("return", true) }

func (r *reply[X]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeElement(r.RequestID, xml.StartElement{Name: xml.Name{Local: "requestId"}}); err != nil {
		return err
	}
	if r.set {
		outer := xml.StartElement{Name: xml.Name{Local: r.name}}
		if err := e.EncodeToken(outer); err != nil {
			return err
		}
		for _, x := range r.items {
			if err := e.EncodeElement(x, xml.StartElement{Name: xml.Name{Local: "item"}}); err != nil {
				return err
			}
		}
		if err := e.EncodeToken(outer.End()); err != nil {
			return err
		}
		if r.nextToken != "" {
			if err := e.EncodeElement(r.nextToken, xml.StartElement{Name: xml.Name{Local: "nextToken"}}); err != nil {
				return err
			}
		}
	} else if err := e.EncodeElement(r.items[0], xml.StartElement{Name: xml.Name{Local: r.name}}); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// change is the one way a mutating action runs: op changes a copy of the state (Server.mutate saves
// the copy, makes it current and reconciles the datapath, or, when op fails, drops it), and answer
// turns op's result into the action's reply.
func change[R any](s *Server, op func(st *model.State) (R, error), answer func(st *model.State, r R) any) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		r, err := op(st)
		if err != nil {
			return nil, err
		}
		return answer(st, r), nil
	})
}

// listing describes how a Describe/Get call lists one kind of resource.
type listing[R any, X any] struct {
	set     string   // the reply's set element, e.g. vpcSet
	filters []string // the filter names the call understands (tag filters always)
	// idParam is the list parameter of requested ids (e.g. VpcId), "" when the call takes none;
	// notFound and noun make the error for a requested id that does not exist; prefix is the ids'
	// prefix (e.g. vpc), whose Malformed error a requested id of another shape gets.
	idParam, notFound, noun, prefix string
	// maxResults is the upper bound of the call's MaxResults (the lower one is 5); 0 means 1000.
	maxResults int
	list       func(st *model.State) ([]R, error)
	id         func(r R) string
	attrs      func(st *model.State, r R) attrs
	view       func(st *model.State, r R) X
}

// describe is the one way a Describe/Get call runs: it checks the filters, the requested ids and
// the page asked for (MaxResults, NextToken), then answers with the resources that are requested (all
// when none are) and pass every filter, one page of them.
func describe[R any, X any](s *Server, in form, l listing[R, X]) (any, error) {
	fs, err := in.filters()
	if err != nil {
		return nil, err
	}
	if err := checkFilters(fs, l.filters...); err != nil {
		return nil, err
	}
	hi := l.maxResults
	if hi == 0 {
		hi = 1000
	}
	max, err := maxResults(in, 5, hi, 0)
	if err != nil {
		return nil, err
	}
	after, err := afterToken(in.str("NextToken"))
	if err != nil {
		return nil, err
	}
	if l.idParam != "" {
		for _, id := range in.list(l.idParam) {
			if err := model.CheckID(l.prefix, id); err != nil {
				return nil, err
			}
		}
	}
	return s.read(func(st *model.State) (any, error) {
		rs, err := l.list(st)
		if err != nil {
			return nil, err
		}
		var want map[string]bool
		if l.idParam != "" {
			have := map[string]bool{}
			for _, r := range rs {
				have[l.id(r)] = true
			}
			if want, err = ids(in.list(l.idParam), func(id string) bool { return have[id] }, l.notFound, l.noun); err != nil {
				return nil, err
			}
		}
		var kept []R
		for _, r := range rs {
			if (want == nil || want[l.id(r)]) && match(l.attrs(st, r), fs) {
				kept = append(kept, r)
			}
		}
		kept, next := page(kept, l.id, after, max)
		xs := []X{}
		for _, r := range kept {
			xs = append(xs, l.view(st, r))
		}
		out := set(l.set, xs)
		out.nextToken = next
		return out, nil
	})
}

// all adapts a state listing that cannot fail to listing.list.
func all[R any](f func(st *model.State) []R) func(st *model.State) ([]R, error) {
	return func(st *model.State) ([]R, error) { return f(st), nil }
}
