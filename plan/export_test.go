package plan

// RuleCaseFiles exposes the rule cases' files to the external test package (fuzz seeds).
func RuleCaseFiles() []string {
	out := []string{base}
	for _, c := range append(append([]ruleCase(nil), ruleCases...), safetyCases...) {
		out = append(out, c.file)
	}
	return out
}
