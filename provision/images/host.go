package images

// Host answers what a CNI asks about the host's copy of one of its images before a lab is created
// (component.ImageChecker).
type Host interface {
	// BuiltHere says whether the host's copy is netlab's hermetic build (it carries BuildKeyLabel).
	BuiltHere(ref string) bool
	// RepoDigests are the registry digests ("repo@sha256:…") the host's copy was pulled by; none
	// for an image built or loaded here.
	RepoDigests(ref string) []string
}

// StaticHost is a Host with fixed answers, for tests: every image is netlab's build when Built,
// and Digests holds the registry digests by reference.
type StaticHost struct {
	Built   bool
	Digests map[string][]string
}

// BuiltHere is h.Built for every image.
func (h StaticHost) BuiltHere(string) bool { return h.Built }

// RepoDigests are h.Digests[ref].
func (h StaticHost) RepoDigests(ref string) []string { return h.Digests[ref] }
