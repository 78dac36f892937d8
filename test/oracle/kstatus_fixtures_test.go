package oracle

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kstatusFixtureFiles are kstatus's own tests, whose objects the
// comparison runs: every package-level string of YAML that is an object
// (an apiVersion and a kind).
var kstatusFixtureFiles = []string{
	"pkg/kstatus/status/status_compute_test.go",
	"pkg/kstatus/status/status_augment_test.go",
}

// kstatusFixtures reads the fixtures from kstatus's source in the module
// cache (sigs.k8s.io/cli-utils, the version test/go.mod requires), not from
// a copy: they are kstatus's, as they are. A fixture with a %s takes the
// current time, as kstatus's own test does (podBeingScheduled).
func kstatusFixtures(t *testing.T) []oracleCase {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/cli-utils").Output()
	if err != nil {
		t.Fatalf("finding kstatus's source: go list -m sigs.k8s.io/cli-utils: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	var cases []oracleCase
	for _, file := range kstatusFixtureFiles {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, file), nil, 0)
		if err != nil {
			t.Fatalf("reading kstatus's fixtures: %v", err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.VAR {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					text, err := strconv.Unquote(lit.Value)
					if err != nil {
						continue
					}
					if strings.Contains(text, "%s") {
						text = fmt.Sprintf(text, time.Now().Format(time.RFC3339))
					}
					obj, err := fromYAML(text)
					if err != nil || obj["apiVersion"] == nil || obj["kind"] == nil {
						continue
					}
					cases = append(cases, oracleCase{name: "kstatus:" + vs.Names[i].Name, obj: obj})
				}
			}
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	if len(cases) < 50 {
		t.Fatalf("found %d kstatus fixtures in %s, expected more than 50: has their form changed?", len(cases), dir)
	}
	return cases
}
