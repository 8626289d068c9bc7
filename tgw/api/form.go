package api

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/netlab-dev/netlab/tgw/model"
)

// form reads EC2 Query parameters: scalars, 1-based flat lists (SubnetIds.1=…), filters
// (Filter.1.Name=…&Filter.1.Value.1=…) and tag specifications.
type form struct{ v url.Values }

func (f form) str(k string) string { return f.v.Get(k) }

func (f form) bool(k string) bool { return strings.EqualFold(f.v.Get(k), "true") }

// optBool returns nil when k is absent; "enable"/"true" are true.
func (f form) enable(k string) *bool {
	s := f.v.Get(k)
	if s == "" {
		return nil
	}
	b := strings.EqualFold(s, "enable") || strings.EqualFold(s, "true")
	return &b
}

// list reads prefix.1, prefix.2, … up to the first missing index (the request body's size bounds it).
func (f form) list(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		s, ok := f.v[prefix+"."+strconv.Itoa(i)]
		if !ok {
			break
		}
		out = append(out, s[0])
	}
	return out
}

type filter struct {
	name   string
	values []string
}

// filters reads Filter.N.Name and Filter.N.Value.M, all of them: more values than EC2 takes are
// refused (FilterLimitExceeded, paginate.go), never cut off.
func (f form) filters() ([]filter, error) {
	var out []filter
	for i := 1; ; i++ {
		p := "Filter." + strconv.Itoa(i)
		name := f.v.Get(p + ".Name")
		if name == "" {
			break
		}
		out = append(out, filter{name: name, values: f.list(p + ".Value")})
	}
	return out, checkFilterLimit(out)
}

// tags returns the tags of the tag specifications (TagSpecification.N or TagSpecifications.N) for
// resource type rt.
func (f form) tags(rt string) []model.Tag {
	var out []model.Tag
	for _, p := range []string{"TagSpecification", "TagSpecifications"} {
		for i := 1; i <= 50; i++ {
			q := p + "." + strconv.Itoa(i)
			typ := f.v.Get(q + ".ResourceType")
			if typ == "" {
				break
			}
			if typ != rt {
				continue
			}
			for j := 1; j <= 50; j++ {
				k := f.v.Get(q + ".Tag." + strconv.Itoa(j) + ".Key")
				if k == "" {
					break
				}
				out = append(out, model.Tag{Key: k, Value: f.v.Get(q + ".Tag." + strconv.Itoa(j) + ".Value")})
			}
		}
	}
	return out
}

// attrs are a resource's filterable attributes.
type attrs map[string][]string

func withTags(a attrs, tags []model.Tag) attrs {
	for _, t := range tags {
		a["tag:"+t.Key] = append(a["tag:"+t.Key], t.Value)
		a["tag-key"] = append(a["tag-key"], t.Key)
		a["tag-value"] = append(a["tag-value"], t.Value)
	}
	return a
}

// known lists the filter names a resource type understands (tag filters are always understood).
func checkFilters(fs []filter, known ...string) error {
	for _, f := range fs {
		if strings.HasPrefix(f.name, "tag:") || f.name == "tag-key" || f.name == "tag-value" {
			continue
		}
		ok := false
		for _, k := range known {
			ok = ok || k == f.name
		}
		if !ok {
			return &model.Error{Code: model.CodeInvalidParameterValue, Message: fmt.Sprintf("The filter '%s' is invalid", f.name)}
		}
	}
	return nil
}

// match reports whether a resource passes all filters: every filter must match, and a filter
// matches when any of its values matches any of the attribute's values (* and ? are wildcards).
func match(a attrs, fs []filter) bool {
	for _, f := range fs {
		ok := false
		for _, want := range f.values {
			for _, have := range a[f.name] {
				if m, _ := path.Match(want, have); m || want == have {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ids checks that every requested id exists (the NotFound error of code names the first missing one).
func ids(requested []string, exists func(string) bool, code, what string) (map[string]bool, error) {
	if len(requested) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, id := range requested {
		if !exists(id) {
			return nil, &model.Error{Code: code, Message: fmt.Sprintf("The %s ID '%s' does not exist", what, id)}
		}
		set[id] = true
	}
	return set, nil
}

func parseCIDRFilter(name, v string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, &model.Error{Code: model.CodeInvalidParameterValue, Message: fmt.Sprintf("Value (%s) for filter %s is not a valid CIDR", v, name)}
}
