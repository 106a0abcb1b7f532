package e2e

import (
	"os"
	"strings"
	"testing"
)

// imageWithVolume commits an image whose /data holds files and is a
// VOLUME.
func imageWithVolume(t *testing.T, e *Env) string {
	t.Helper()
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "seedsrc", img, "sh", "-c",
		"mkdir -p /data/sub && echo seed > /data/seed && echo deep > /data/sub/f && chown -R 1000:1000 /data && chmod 750 /data").Success(t)
	e.Skiff("commit", "-c", "VOLUME /data", "seedsrc", "withvol:1").Success(t)
	e.Skiff("rm", "seedsrc").Success(t)
	return "withvol:1"
}

// An image's VOLUME gets an anonymous volume filled from the image on
// first use (docker's copy-up), with owners and modes.
func TestImageVolumeCopyUp(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := imageWithVolume(t, e)
	check := "cat /data/seed /data/sub/f; stat -c '%u:%g %a' /data /data/seed"
	if got := runOut(t, e, img, "sh", "-c", check); got != "seed\ndeep\n1000:1000 750\n1000:1000 644" {
		t.Errorf("anonymous volume of an image VOLUME:\n%s", got)
	}
	ctr := e.Skiff("create", img, "sh", "-c", "echo changed > /data/seed").Success(t).Out()
	vols := e.Skiff("volume", "ls", "-q", "-f", "label=com.docker.volume.anonymous").Success(t).Lines()
	if len(vols) != 1 {
		t.Fatalf("anonymous volumes of a created container: %q", vols)
	}
	e.Skiff("start", "-a", ctr).Success(t)
	// a second start does not copy again over what the container wrote
	e.Skiff("start", "-a", ctr).Success(t)
	if got := runOut(t, e, "-v", vols[0]+":/v", img, "cat", "/v/seed"); got != "changed" {
		t.Errorf("anonymous volume after the container wrote: %q", got)
	}
	// a named volume is filled on first use only, nocopy leaves it empty,
	// and a bind mount shows the host directory as it is
	if got := runOut(t, e, "-v", "named:/data", img, "cat", "/data/seed"); got != "seed" {
		t.Errorf("named volume on first use: %q", got)
	}
	runOut(t, e, "-v", "named:/data", img, "rm", "/data/seed")
	if got := runOut(t, e, "-v", "named:/data", img, "ls", "/data"); got != "sub" {
		t.Errorf("named volume refilled: %q", got)
	}
	if got := runOut(t, e, "-v", "empty:/data:nocopy", img, "ls", "-A", "/data"); got != "" {
		t.Errorf("nocopy volume: %q", got)
	}
	host := e.Mkdir("host")
	if got := runOut(t, e, "-v", host+":/data", img, "ls", "-A", "/data"); got != "" {
		t.Errorf("bind over an image VOLUME: %q", got)
	}
	if entries, _ := os.ReadDir(host); len(entries) != 0 {
		t.Errorf("the image's content was copied into a bind source")
	}
	// --rm takes the anonymous volumes along; named ones stay
	left := strings.Join(e.Skiff("volume", "ls", "-q").Success(t).Lines(), " ")
	if !strings.Contains(left, "named") || !strings.Contains(left, "empty") || len(strings.Fields(left)) != 3 {
		t.Errorf("volumes left: %q (want named, empty and the created container's)", left)
	}
}
