package format

import (
	"bytes"
	"testing"
)

type row struct {
	ID    string
	Names string
	Size  int
}

func (r row) Label(k string) string { return "v-" + k }

func TestLister(t *testing.T) {
	t.Parallel()
	headers := map[string]string{"ID": "CONTAINER ID", "Names": "NAMES", "Size": "SIZE"}
	rows := []row{{"abc", "web", 1}, {"defghi", "db", 22}}
	for _, tc := range []struct {
		format string
		want   string
	}{
		{"", "CONTAINER ID   NAMES\nabc            web\ndefghi         db\n"},
		{"table {{.Names}}\\t{{.Size}}", "NAMES     SIZE\nweb       1\ndb        22\n"},
		{"{{.ID}}:{{.Names}}", "abc:web\ndefghi:db\n"},
		{"{{.Names | upper}} {{truncate .ID 2}} {{.Label \"x\"}}", "WEB ab v-x\nDB de v-x\n"},
		{"json", `{"ID":"abc","Names":"web","Size":1}` + "\n" + `{"ID":"defghi","Names":"db","Size":22}` + "\n"},
		{"{{json .Names}}", "\"web\"\n\"db\"\n"},
		{"{{join (split .Names \"e\") \"-\"}}", "w-b\ndb\n"},
	} {
		var buf bytes.Buffer
		l, err := NewLister(&buf, tc.format, "table {{.ID}}\t{{.Names}}", headers)
		if err != nil {
			t.Fatalf("%q: %v", tc.format, err)
		}
		for _, r := range rows {
			if err := l.Row(r); err != nil {
				t.Fatalf("%q: %v", tc.format, err)
			}
		}
		if err := l.Flush(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("format %q:\ngot  %q\nwant %q", tc.format, buf.String(), tc.want)
		}
	}
}

func TestEmptyTableHasHeader(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, _ := NewLister(&buf, "", "table {{.ID}}\t{{.Names}}", map[string]string{"ID": "ID", "Names": "NAMES"})
	_ = l.Flush()
	if buf.String() != "ID        NAMES\n" {
		t.Fatalf("got %q", buf.String())
	}
}

func TestBadTemplate(t *testing.T) {
	t.Parallel()
	if _, err := NewLister(&bytes.Buffer{}, "{{.ID", "", nil); err == nil {
		t.Fatal("want a parse error")
	}
}

func TestLabelHeader(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, err := NewLister(&buf, `table {{.Names}}\t{{.Label "com.example.app-name"}}`, "", map[string]string{"Names": "NAMES"})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Row(row{ID: "a", Names: "web"})
	_ = l.Flush()
	if want := "NAMES     app name\nweb       v-com.example.app-name\n"; buf.String() != want {
		t.Fatalf("got %q want %q", buf.String(), want)
	}
}
