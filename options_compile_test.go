package kobj_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOptionsAVerbCannotTakeDoNotCompile builds a program that passes each
// verb an option it cannot take, and checks that the compiler refuses every
// one of them, naming the verb's option interface. The program exists only
// in a build overlay: nothing is written into the module.
func TestOptionsAVerbCannotTakeDoNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	misuses := []struct{ code, refusal string }{
		{`o.Create(ctx, kobj.Limit(3))`, "kobj.Limit does not implement kobj.CreateOption"},
		{`o.Read(ctx, kobj.PropagationPolicy("Orphan"))`, "kobj.PropagationPolicy does not implement kobj.ReadOption"},
		{`o.Update(ctx, kobj.LabelSelector("a=b"))`, "kobj.LabelSelector does not implement kobj.UpdateOption"},
		{`o.Delete(ctx, kobj.Rollback())`, "kobj.EditOption does not implement kobj.DeleteOption"},
		{`o.Create(ctx, kobj.RetryOnConflict())`, "kobj.EditOption does not implement kobj.CreateOption"},
		{`o.Edit(ctx, nil, kobj.Limit(1))`, "kobj.Limit does not implement kobj.EditOption"},
		{`o.Call(ctx, "x", nil, kobj.DryRun())`, "kobj.dryRunOption does not implement kobj.CallOption"},
		{`o.Update(ctx, kobj.Force())`, "kobj.forceOption does not implement kobj.UpdateOption"},
		{`o.Apply(ctx, kobj.Limit(1))`, "kobj.Limit does not implement kobj.ApplyOption"},
		{`o.Apply(ctx, kobj.PatchAs(kobj.JSONPatch))`, "kobj.CallOption does not implement kobj.ApplyOption"},
		{`o.Watch(ctx, kobj.DryRun())`, "kobj.dryRunOption does not implement kobj.WatchOption"},
		{`o.Create(ctx, kobj.AllNamespaces())`, "kobj.allNamespacesOption does not implement kobj.CreateOption"},
		{`o.Call(ctx, "x", nil, kobj.Force())`, "kobj.forceOption does not implement kobj.CallOption"},
		{`kobj.New("v1", "Pod").Read(ctx, kobj.FromResourceVersion("5"))`, "kobj.FromResourceVersion does not implement kobj.ReadOption"},
		{`c.ApplyAll(ctx, nil, kobj.Limit(1))`, "kobj.Limit does not implement kobj.ApplyAllOption"},
		{`c.ApplyAll(ctx, nil, kobj.WaitForDeletion())`, "kobj.DeleteAllOption does not implement kobj.ApplyAllOption"},
		{`c.ApplyAll(ctx, nil, kobj.WithClient(c))`, "kobj.withClientOption does not implement kobj.ApplyAllOption"},
		{`c.DeleteAll(ctx, nil, kobj.FieldManager("m"))`, "kobj.FieldManager does not implement kobj.DeleteAllOption"},
		{`c.DeleteAll(ctx, nil, kobj.Prune(nil))`, "kobj.ApplyAllOption does not implement kobj.DeleteAllOption"},
		{`c.DeleteAll(ctx, nil, kobj.DryRun())`, "kobj.dryRunOption does not implement kobj.DeleteAllOption"},
		{`o.Logs(ctx, kobj.TTY())`, "kobj.ExecOption does not implement kobj.LogOption"},
		{`o.Exec(ctx, nil, kobj.Follow())`, "kobj.LogOption does not implement kobj.ExecOption"},
		{`o.PortForward(ctx, nil, kobj.Container("c"))`, "kobj.Container does not implement kobj.PortForwardOption"},
		{`o.Logs(ctx, kobj.Named("p"))`, "kobj.Named does not implement kobj.LogOption"},
		{`o.Into(nil, kobj.Overwrite())`, "kobj.MergeOption does not implement kobj.IntoOption"},
		{`o.Merge(nil, kobj.Strict())`, "kobj.IntoOption does not implement kobj.MergeOption"},
	}
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n\t\"context\"\n\n\t\"github.com/kobj-dev/kobj\"\n)\n\nfunc main() {\n\tctx := context.Background()\n\to := kobj.New(\"v1\", \"ConfigMap\")\n\tvar c *kobj.Client\n")
	for _, m := range misuses {
		src.WriteString("\t" + m.code + "\n")
	}
	src.WriteString("}\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	virtual := filepath.Join(wd, "internal", "optionmisuse", "main.go")
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{virtual: file}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "build", "-gcflags=-e", "-overlay", overlayFile, "-o", os.DevNull, "./internal/optionmisuse").CombinedOutput()
	if err == nil {
		t.Fatal("a program passing options to verbs that cannot take them compiled")
	}
	for _, m := range misuses {
		if !strings.Contains(string(out), m.refusal) {
			t.Errorf("%s: the compiler did not say %q:\n%s", m.code, m.refusal, out)
		}
	}
}
