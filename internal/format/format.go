// Package format renders lists and objects the way docker's --format does:
// Go templates with docker's functions (json, join, split, lower, upper,
// title, pad, truncate, println), the "table" prefix that adds a header row
// and aligns columns, and the named formats "json" and "table".
//
// It imports nothing from skiff; commands hand it plain row structs.
package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"unicode"
)

// Funcs are the template functions docker provides.
var Funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := marshalNoEscape(v)
		return strings.TrimSpace(string(b)), err
	},
	"join":  strings.Join,
	"split": strings.Split,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"title": func(s string) string {
		r := []rune(s)
		if len(r) > 0 {
			r[0] = unicode.ToUpper(r[0])
		}
		return string(r)
	},
	"pad": func(s string, left, right int) string {
		return strings.Repeat(" ", left) + s + strings.Repeat(" ", right)
	},
	"truncate": func(s string, n int) string {
		r := []rune(s)
		if n >= 0 && len(r) > n {
			return string(r[:n])
		}
		return s
	},
	"println": fmt.Sprintln,
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// Parse parses a user template with docker's functions. A template that
// fails to parse is reported with docker's wording.
func Parse(text string) (*template.Template, error) {
	t, err := template.New("").Option("missingkey=zero").Funcs(Funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	return t, nil
}

// Lister writes rows one by one in the requested format. Output is
// buffered until Flush: a table of fifty rows is one write, not hundreds.
type Lister struct {
	out     *bufio.Writer
	w       io.Writer
	tw      *tabwriter.Writer
	tmpl    *template.Template
	json    bool
	headers map[string]string
	header  bool // header row still owed
	rows    int
}

// NewLister prepares rows for w. format is "" or "table" (defaultTable is
// used), "json" (one JSON object a line), "table TEMPLATE" (header row and
// aligned columns; headers maps field names to column titles), or a plain
// template (no header).
func NewLister(w io.Writer, format, defaultTable string, headers map[string]string) (*Lister, error) {
	out := bufio.NewWriter(w)
	l := &Lister{out: out, w: out, headers: headers}
	switch strings.TrimSpace(format) {
	case "", "table":
		format = defaultTable
	case "json":
		l.json = true
		return l, nil
	}
	if strings.HasPrefix(format, "table") {
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
		l.header = true
		l.tw = tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)
		l.w = l.tw
	}
	format = unescape(format)
	t, err := Parse(format)
	if err != nil {
		return nil, err
	}
	l.tmpl = t
	return l, nil
}

// unescape turns the \t and \n users type on a command line into the
// characters, as docker does.
func unescape(s string) string {
	return strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
}

// Row writes one item.
func (l *Lister) Row(item any) error {
	if l.json {
		b, err := marshalNoEscape(item)
		if err != nil {
			return err
		}
		_, err = l.w.Write(b)
		return err
	}
	if l.header {
		if err := l.writeHeader(); err != nil {
			return err
		}
	}
	l.rows++
	return l.exec(item)
}

func (l *Lister) exec(item any) error {
	var buf bytes.Buffer
	if err := l.tmpl.Execute(&buf, item); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	buf.WriteByte('\n')
	_, err := l.w.Write(buf.Bytes())
	return err
}

// writeHeader renders the template over the header titles: each field
// reference prints its column title.
func (l *Lister) writeHeader() error {
	l.header = false
	var buf bytes.Buffer
	if err := l.tmpl.Execute(&buf, headerMap(l.headers)); err != nil {
		return nil // a template that cannot render titles gets no header
	}
	buf.WriteByte('\n')
	_, err := l.w.Write(buf.Bytes())
	return err
}

// headerMap maps field names to column titles; a field without a title
// prints as an empty column head.
type headerMap map[string]string

// OmitHeader drops a table's header row (podman's --noheading).
func (l *Lister) OmitHeader() { l.header = false }

// Flush writes out aligned columns. A table with no rows still prints its
// header, as docker does.
func (l *Lister) Flush() error {
	if l.header {
		if err := l.writeHeader(); err != nil {
			return err
		}
	}
	if l.tw != nil {
		if err := l.tw.Flush(); err != nil {
			return err
		}
	}
	return l.out.Flush()
}

// Object writes one object (inspect) either as a template or, with an empty
// format, not at all: the caller prints the JSON array itself.
func Object(w io.Writer, format string, item any) error {
	t, err := Parse(unescape(format))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, item); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// JSONArray prints items as docker's inspect does: an indented JSON array.
func JSONArray(w io.Writer, items any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(items); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Label is the column title of a {{.Label "key"}} field, as docker makes
// it: the key's last dot-separated part, dashes and underscores as spaces
// ("com.example.app-name" -> "app name").
func (h headerMap) Label(key string) string {
	parts := strings.Split(key, ".")
	return strings.NewReplacer("-", " ", "_", " ").Replace(parts[len(parts)-1])
}
