package api

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/netlab-dev/netlab/tgw/model"
)

// Pagination and request limits of the Describe, Get and Search calls, as the EC2 API reference
// gives them: MaxResults is bounded per call (5-1000 for the transit gateway calls, DescribeVpcs,
// DescribeSubnets and DescribeNetworkInterfaces; 5-100 for DescribeRouteTables), a page that is not
// the last carries a NextToken that the next call passes back, and SearchTransitGatewayRoutes has no
// NextToken but an AdditionalRoutesAvailable flag. A request with more filter values than EC2 takes is
// refused with FilterLimitExceeded, never truncated.

// Error codes of this file, from the EC2 API reference's error code list.
const (
	CodeFilterLimitExceeded    = "FilterLimitExceeded"
	CodeInvalidPaginationToken = "InvalidPaginationToken"
)

// MaxFilterValues is how many filter values one call may carry in all (AWS: "FilterLimitExceeded:
// The maximum number of filter values specified on a single call is 200", as quoted in
// gjbae1212/gossm#31 and convox/rack#2205 from DescribeInstances).
const MaxFilterValues = 200

// maxResults reads MaxResults: between lo and hi; def when absent.
func maxResults(in form, lo, hi, def int) (int, error) {
	v := in.str("MaxResults")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid("Value (%s) for parameter MaxResults is invalid. Expecting a value between %d and %d.", v, lo, hi)
	}
	return n, nil
}

// pageToken is the NextToken after the item with id last: the items are listed sorted by id, so the
// next page starts after it even when items were added or removed in between.
func pageToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("netlab:" + last))
}

// afterToken returns the id the page token tok continues after ("" for no token).
func afterToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	last, ok := strings.CutPrefix(string(b), "netlab:")
	if err != nil || !ok || last == "" {
		return "", &model.Error{Code: CodeInvalidPaginationToken, Message: fmt.Sprintf("The pagination token %q is invalid.", tok)}
	}
	return last, nil
}

// page cuts one page out of the items (sorted by id): those after the token's id, at most max of
// them, and the token of the next page ("" on the last page).
func page[X any](items []X, id func(X) string, after string, max int) ([]X, string) {
	start := 0
	if after != "" {
		start = len(items)
		for i, x := range items {
			if id(x) > after {
				start = i
				break
			}
		}
	}
	items = items[start:]
	if max <= 0 || len(items) <= max {
		return items, ""
	}
	return items[:max], pageToken(id(items[max-1]))
}

// checkFilterLimit refuses a request whose filters carry more than MaxFilterValues values in all.
func checkFilterLimit(fs []filter) error {
	n := 0
	for _, f := range fs {
		n += len(f.values)
	}
	if n > MaxFilterValues {
		return &model.Error{Code: CodeFilterLimitExceeded, Message: fmt.Sprintf("The maximum number of filter values specified on a single call is %d", MaxFilterValues)}
	}
	return nil
}
