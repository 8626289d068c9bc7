package api

import (
	"fmt"
	"strconv"

	"github.com/netlab-dev/netlab/tgw/model"
)

// ---- tags: CreateTags and DeleteTags on any resource the server holds

// tagTargets resolves ResourceId.N to the tag lists of the resources: MissingParameter without any,
// the resource kind's Malformed or NotFound error for an id that is malformed or unknown.
func tagTargets(st *model.State, ids []string) ([]*[]model.Tag, error) {
	if len(ids) == 0 {
		return nil, &model.Error{Code: model.CodeMissingParameter, Message: "The request must contain the parameter ResourceId"}
	}
	var out []*[]model.Tag
	for _, id := range ids {
		var t *[]model.Tag
		switch {
		case st.VPCs[id] != nil:
			t = &st.VPCs[id].Tags
		case st.Subnets[id] != nil:
			t = &st.Subnets[id].Tags
		case st.ENIs[id] != nil:
			t = &st.ENIs[id].Tags
		case st.VPCRouteTables[id] != nil:
			t = &st.VPCRouteTables[id].Tags
		case st.TransitGateways[id] != nil:
			t = &st.TransitGateways[id].Tags
		case st.Attachments[id] != nil:
			t = &st.Attachments[id].Tags
		case st.RouteTables[id] != nil:
			t = &st.RouteTables[id].Tags
		default:
			prefix, notFound, ok := model.KindOfID(id)
			if !ok {
				return nil, &model.Error{Code: "InvalidID", Message: fmt.Sprintf("The ID '%s' is not valid", id)}
			}
			if err := model.CheckID(prefix, id); err != nil {
				return nil, err
			}
			return nil, &model.Error{Code: notFound, Message: fmt.Sprintf("The ID '%s' does not exist", id)}
		}
		out = append(out, t)
	}
	return out, nil
}

// tagParams reads Tag.N.Key and Tag.N.Value; hasValue[i] says whether Tag.N.Value was given at all
// (DeleteTags treats a key without a value differently from a key with an empty value).
func tagParams(in form) (tags []model.Tag, hasValue []bool) {
	for j := 1; ; j++ {
		p := "Tag." + strconv.Itoa(j)
		k := in.str(p + ".Key")
		if k == "" {
			break
		}
		_, has := in.v[p+".Value"]
		tags = append(tags, model.Tag{Key: k, Value: in.str(p + ".Value")})
		hasValue = append(hasValue, has)
	}
	return tags, hasValue
}

// createTags sets tags (replacing values of existing keys) on any resource the server holds.
func createTags(s *Server, in form) (any, error) {
	tags, _ := tagParams(in)
	return confirmed(s, func(st *model.State) error {
		targets, err := tagTargets(st, in.list("ResourceId"))
		if err != nil {
			return err
		}
		for _, t := range targets {
			for _, nt := range tags {
				set := false
				for i := range *t {
					if (*t)[i].Key == nt.Key {
						(*t)[i].Value, set = nt.Value, true
					}
				}
				if !set {
					*t = append(*t, nt)
				}
			}
		}
		return nil
	})
}

// deleteTags follows the DeleteTags reference: a Tag.N.Key without a value deletes the tag whatever
// its value; with a value (the empty string too) only when the value matches; no Tag at all deletes
// every tag of the resources (netlab has no aws: tags to keep). Tags that are not there are not an
// error.
func deleteTags(s *Server, in form) (any, error) {
	tags, hasValue := tagParams(in)
	return confirmed(s, func(st *model.State) error {
		targets, err := tagTargets(st, in.list("ResourceId"))
		if err != nil {
			return err
		}
		for _, t := range targets {
			if len(tags) == 0 {
				*t = nil
				continue
			}
			var kept []model.Tag
			for _, have := range *t {
				drop := false
				for i, del := range tags {
					if del.Key == have.Key && (!hasValue[i] || del.Value == have.Value) {
						drop = true
					}
				}
				if !drop {
					kept = append(kept, have)
				}
			}
			*t = kept
		}
		return nil
	})
}
