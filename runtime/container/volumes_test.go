package container

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/runtime/mounts"
)

// record puts the mounts in docker's shapes: .Mounts without --tmpfs,
// HostConfig.Binds the -v strings with a source, HostConfig.Mounts the
// --mount specs, HostConfig.Tmpfs, Config.Volumes the anonymous -v targets
// and the image's.
func TestRecordMountShapes(t *testing.T) {
	t.Parallel()
	bind, _ := mounts.ParseVolume("/h:/b:ro")
	named, _ := mounts.ParseVolume("data:/d")
	anon, _ := mounts.ParseVolume("/anon")
	tm, _ := mounts.ParseMount("type=tmpfs,target=/t,tmpfs-size=1m", "/")
	o := &MountOptions{Requests: []mounts.Request{bind, named, anon, tm}, Tmpfs: []TmpfsMount{{Target: "/run", Options: "size=1m"}},
		VolumesFrom: []string{"other:ro"}}
	m := &mountSetup{o: o, index: map[string]int{}, strict: map[string]bool{}}
	m.list = []UserMount{
		{MountPoint: mounts.MountPoint{Type: mounts.TypeBind, Source: "/h", Destination: "/b", Mode: "ro", Propagation: "rprivate"}},
		{MountPoint: mounts.MountPoint{Type: mounts.TypeVolume, Name: "data", Source: "/v/data/_data", Destination: "/d", Driver: "local", RW: true}},
		{MountPoint: mounts.MountPoint{Type: mounts.TypeTmpfs, Destination: "/run", RW: true}, FromTmpfsFlag: true},
	}
	r := &Record{Config: Config{Volumes: map[string]struct{}{"/img": {}}}}
	m.record(r)
	if len(r.Mounts) != 2 || r.Mounts[0].Destination != "/b" || r.Mounts[1].Name != "data" {
		t.Errorf(".Mounts = %+v", r.Mounts)
	}
	if !reflect.DeepEqual(r.HostConfig.Binds, []string{"/h:/b:ro", "data:/d"}) {
		t.Errorf("Binds = %q", r.HostConfig.Binds)
	}
	if len(r.HostConfig.Mounts) != 1 || r.HostConfig.Mounts[0].Type != mounts.TypeTmpfs || r.HostConfig.Mounts[0].TmpfsOptions.SizeBytes != 1<<20 {
		t.Errorf("HostConfig.Mounts = %+v", r.HostConfig.Mounts)
	}
	if r.HostConfig.Tmpfs["/run"] != "size=1m" || !reflect.DeepEqual(r.HostConfig.VolumesFrom, []string{"other:ro"}) {
		t.Errorf("Tmpfs %v VolumesFrom %v", r.HostConfig.Tmpfs, r.HostConfig.VolumesFrom)
	}
	if _, ok := r.Config.Volumes["/anon"]; !ok || len(r.Config.Volumes) != 2 {
		t.Errorf("Config.Volumes = %v", r.Config.Volumes)
	}
	b, _ := json.Marshal(r.Mounts[0])
	if string(b) != `{"Type":"bind","Source":"/h","Destination":"/b","Mode":"ro","RW":false,"Propagation":"rprivate"}` {
		t.Errorf("docker's MountPoint JSON: %s", b)
	}
}

func TestFilterChanges(t *testing.T) {
	t.Parallel()
	in := []archive.Change{
		{Path: "/etc", Kind: archive.ChangeModify},
		{Path: "/etc/hosts", Kind: archive.ChangeAdd},
		{Path: "/etc/resolv.conf", Kind: archive.ChangeAdd},
		{Path: "/dev", Kind: archive.ChangeAdd},
		{Path: "/dev/pts", Kind: archive.ChangeAdd},
		{Path: "/tmp/x", Kind: archive.ChangeAdd},
		{Path: "/tmp", Kind: archive.ChangeModify},
		{Path: "/bin/vi", Kind: archive.ChangeDelete},
		{Path: "/usr", Kind: archive.ChangeModify},
		{Path: "/usr/new", Kind: archive.ChangeAdd},
	}
	var got []string
	for _, c := range filterChanges(in) {
		got = append(got, c.String())
	}
	want := "D /bin/vi|C /tmp|A /tmp/x|C /usr|A /usr/new"
	if strings.Join(got, "|") != want {
		t.Errorf("filterChanges = %q, want %q", strings.Join(got, "|"), want)
	}
}
