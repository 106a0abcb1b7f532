package e2e

import (
	"strings"
	"testing"
)

func TestLoginPushPullLogout(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	reg := startAuthRegistry(t)
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("tag", img, reg+"/private/bb").Success(t)

	oneErrorLine(t, e.Skiff("push", reg+"/private/bb"), "log in to "+reg)
	r := e.Skiff("login", "-u", "alice", "-p", "wrong", reg)
	oneErrorLine(t, r, "wrong user name or password")
	oneErrorLine(t, e.Skiff("login", "-u", "alice", "--password-stdin", "-p", "x", reg), "mutually exclusive")
	oneErrorLine(t, e.SkiffStdin(strings.NewReader("secret\n"), "login", "--password-stdin", reg), "--username")
	oneErrorLine(t, e.Skiff("login", reg), "non TTY")

	r = e.SkiffStdin(strings.NewReader("secret\n"), "login", "-u", "alice", "--password-stdin", reg).Success(t)
	if r.Out() != "Login Succeeded" {
		t.Errorf("login printed %q", r.Stdout)
	}
	e.Skiff("push", "-q", reg+"/private/bb").Success(t)
	e.Skiff("rmi", reg+"/private/bb").Success(t)
	e.Skiff("pull", "-q", reg+"/private/bb").Success(t)

	if r = e.Skiff("logout", reg).Success(t); r.Out() != "Removing login credentials for "+reg {
		t.Errorf("logout printed %q", r.Stdout)
	}
	if r = e.Skiff("logout", reg).Success(t); r.Out() != "Not logged in to "+reg {
		t.Errorf("second logout printed %q", r.Stdout)
	}
	oneErrorLine(t, e.Skiff("pull", reg+"/private/bb:latest"), "log in to "+reg)

	// -p works too, with docker's warning
	r = e.Skiff("login", "--username=alice", "--password=secret", reg).Success(t)
	if !strings.Contains(r.Stderr, "WARNING! Using --password via the CLI is insecure") {
		t.Errorf("no warning for -p: %q", r.Stderr)
	}
	oneErrorLine(t, e.Skiff("login", "-u", "a", "-p", "b", "127.0.0.1:1"), "unreachable")
}
