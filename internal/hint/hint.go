// Package hint gives errors what a user needs to act on them: the hint (what to run or change)
// and the kind of failure, from which the CLI, in one place, picks the exit code.
//
//	return hint.Wrap(err, "run 'netlab down "+lab+"' and then 'netlab up' to recreate it")
//	return hint.Unreachable(err, "start dockerd (bash ci/setup.d/20-docker.sh) or set DOCKER_HOST")
//
// Library packages wrap; cmd/netlab prints the error, then "hint: ..." lines, and exits with
// Code(err).
package hint

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the class of a failure, as CI sees it through the exit code.
type Kind int

const (
	// Failed: the input is invalid, a step failed, or a check failed (exit 1).
	Failed Kind = iota
	// Usage: a bad command line, an unknown scenario, lab or path (exit 2).
	Usage
	// Unreached: the lab or the Docker engine cannot be reached (exit 2).
	Unreached
)

// Error is an error with a hint and a kind.
type Error struct {
	Err  error
	Hint string
	Kind Kind
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap adds a hint to err, keeping the kind of any hinted error inside it (Failed otherwise).
// A nil err stays nil.
func Wrap(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hint: hint, Kind: KindOf(err)}
}

// Usagef is a usage error with a hint.
func Usagef(hint, format string, args ...any) error {
	return &Error{Err: errorf(format, args...), Hint: hint, Kind: Usage}
}

// Unreachable marks err as "the lab or engine cannot be reached", with a hint. A nil err stays nil.
func Unreachable(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hint: hint, Kind: Unreached}
}

// KindOf is the kind of the outermost hinted error in err's chain, Failed when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Failed
}

// Hints lists the hints along err's chain (including errors.Join branches), outermost first,
// without repeats.
func Hints(err error) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(error)
	walk = func(err error) {
		for err != nil {
			if e, ok := err.(*Error); ok && e.Hint != "" && !seen[e.Hint] {
				seen[e.Hint] = true
				out = append(out, e.Hint)
			}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				for _, b := range j.Unwrap() {
					walk(b)
				}
				return
			}
			err = errors.Unwrap(err)
		}
	}
	walk(err)
	return out
}

// Code is the process exit code for err: 0 for nil, 2 for usage and unreachable, 1 otherwise.
func Code(err error) int {
	if err == nil {
		return 0
	}
	switch KindOf(err) {
	case Usage, Unreached:
		return 2
	}
	return 1
}

// Format renders err and its hints for a terminal: the message, then one "hint: ..." line each.
func Format(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	for _, h := range Hints(err) {
		b.WriteString("\nhint: " + h)
	}
	return b.String()
}

func errorf(format string, args ...any) error {
	if len(args) == 0 {
		return errors.New(format)
	}
	return fmt.Errorf(format, args...)
}
