// Command webserver is the benchmark's HTTP server inside a container: it
// serves /big (200 MiB of zeros, written from memory in 1 MiB writes) and
// /small (100 bytes) on port 80 (or on the address given as its
// argument: the benchmark runs it on the host too), fast enough that the
// published port's forwarding, not the server, limits a download.
package main

import (
	"net/http"
	"os"
	"strconv"
)

func main() {
	chunk := make([]byte, 1<<20)
	http.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(200<<20))
		for i := 0; i < 200; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	small := make([]byte, 100)
	http.HandleFunc("/small", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(small)
	})
	addr := ":80"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if err := http.ListenAndServe(addr, nil); err != nil {
		panic(err)
	}
}
