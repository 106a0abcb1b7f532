// Package compose runs compose projects: it loads compose files with
// github.com/compose-spec/compose-go/v2 (load.go), turns each service
// into the options of `run` (convert.go, through runtime/container's own
// flag parsers), and converges what runs with what the files say (up.go),
// calling the same verbs the command line calls: runtime/container,
// runtime/image, runtime/build, runtime/volume, runtime/network. Locks,
// events and usage checks are therefore those of the CLI.
//
// Everything a project owns is found again by docker compose's labels
// (com.docker.compose.project, .service, ...), never by a name prefix, so
// `ps` and `down` work from any directory with -p, and containers,
// networks and volumes made by docker compose's naming rules are shared
// with it.
//
// It must not import commands; it writes only to the writers it is given.
package compose
