package image

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	iimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/chunked/toc"

	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/storage"
)

// This file is a pull's one-pass layer path (issue #18). image/v5's copy
// into containers-storage decompresses every layer twice: once while
// downloading it to a temporary file (for its diffID), once more when
// storage applies that file. Here each layer the store lacks is
// downloaded once, its compressed digest checked as it arrives, and
// decompressed once while storage applies it; the diffID is computed on
// that same stream. Layers download in parallel, each into a spool file
// the applier follows, and are applied in order as their parents exist.
// A stream whose digest or diffID does not match ends in an error
// instead of EOF, so storage fails the layer and keeps nothing of it.
//
// The image itself (manifest, config, signatures, names) is then written
// by copy.Image as before, from the same image source: it finds every
// layer in the store (by compressed digest, under the layer ID it would
// have chosen) and downloads none. Whatever this path does not handle
// (schema 1, encrypted or partial-pull layers, a config without diffIDs)
// is left to copy.Image entirely.

// maxParallelLayers is how many layers download at once (image/v5's
// default too).
const maxParallelLayers = 6

// openedSource is a reference whose NewImageSource returns an image
// source already opened (once; later calls open a new one): copy.Image
// then reuses the manifest the pre-fetch read instead of asking the
// registry again.
type openedSource struct {
	types.ImageReference
	mu  sync.Mutex
	src types.ImageSource
}

func (r *openedSource) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	r.mu.Lock()
	src := r.src
	r.src = nil
	r.mu.Unlock()
	if src != nil {
		return src, nil
	}
	return r.ImageReference.NewImageSource(ctx, sys)
}

// close closes the source if copy.Image did not take it.
func (r *openedSource) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.src != nil {
		_ = r.src.Close()
		r.src = nil
	}
}

// layerPlan is the pre-fetch of one image: its layers, their diffIDs
// from the config, and the store's layer IDs for them.
type layerPlan struct {
	image   string // the image's ID in the store: its config's digest
	layers  []types.BlobInfo
	diffIDs []digest.Digest
	ids     []string
}

// planLayers reads the manifest (the instance sys chooses from a list)
// and config of src and returns the plan, or nil when the image is one
// this path leaves to copy.Image. The signature policy is checked first,
// as copy.Image does, before anything else of the image is read.
func planLayers(ctx context.Context, sys *types.SystemContext, src types.ImageSource, policy *signature.PolicyContext) *layerPlan {
	unparsed := iimage.UnparsedInstance(src, nil)
	man, mt, err := unparsed.Manifest(ctx)
	if err != nil {
		return nil
	}
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(man, mt)
		if err != nil {
			return nil
		}
		var d digest.Digest
		if c, ok := list.(interface {
			ChooseInstanceByCompression(*types.SystemContext, types.OptionalBool) (digest.Digest, error)
		}); ok {
			d, err = c.ChooseInstanceByCompression(sys, types.OptionalBoolUndefined)
		} else {
			d, err = list.ChooseInstance(sys)
		}
		if err != nil {
			return nil
		}
		unparsed = iimage.UnparsedInstance(src, &d)
		if _, mt, err = unparsed.Manifest(ctx); err != nil {
			return nil
		}
	}
	if mt != manifest.DockerV2Schema2MediaType && mt != imgspecv1.MediaTypeImageManifest {
		return nil
	}
	if allowed, err := policy.IsRunningImageAllowed(ctx, unparsed); !allowed || err != nil {
		return nil // copy.Image says why
	}
	img, err := iimage.FromUnparsedImage(ctx, sys, unparsed)
	if err != nil {
		return nil
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil
	}
	p := &layerPlan{image: img.ConfigInfo().Digest.Encoded(), layers: img.LayerInfos(), diffIDs: cfg.RootFS.DiffIDs}
	if len(p.layers) == 0 || len(p.layers) != len(p.diffIDs) || img.ConfigInfo().Digest.Validate() != nil {
		return nil
	}
	parent := ""
	for i, l := range p.layers {
		// storage trusts the digests it is given only when they are
		// sha256; a partial-pull (TOC) layer is identified differently.
		if l.Digest.Validate() != nil || l.Digest.Algorithm() != digest.SHA256 || l.Size <= 0 ||
			p.diffIDs[i].Validate() != nil || p.diffIDs[i].Algorithm() != digest.SHA256 ||
			strings.Contains(l.MediaType, "encrypted") || len(l.URLs) > 0 {
			return nil
		}
		if d, err := toc.GetTOCDigest(l.Annotations); err != nil || d != nil {
			return nil
		}
		// image/v5's layer ID: the chain of diffIDs.
		id := p.diffIDs[i].Encoded()
		if parent != "" {
			id = digest.Canonical.FromString(parent + "+" + id).Encoded()
		}
		p.ids = append(p.ids, id)
		parent = id
	}
	return p
}

// fetchLayers stores the plan's layers the store lacks, each downloaded
// and decompressed once. tmp holds the spool files. Layers already in
// the store are left for copy.Image to report.
func fetchLayers(ctx context.Context, s *storage.Store, sys *types.SystemContext, src types.ImageSource, p *layerPlan, tmp string, pr *progress) error {
	start := 0
	for i := len(p.ids) - 1; i >= 0; i-- {
		if l, err := s.Store.Layer(p.ids[i]); err == nil && l != nil {
			start = i + 1
			break
		}
	}
	if start == len(p.ids) {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cache := blobinfocache.DefaultCache(sys)

	spools := make([]*spool, len(p.layers))
	for i := start; i < len(p.layers); i++ {
		f, err := os.CreateTemp(tmp, "layer-*")
		if err != nil {
			return err
		}
		_ = os.Remove(f.Name()) // the open file is all it needs
		spools[i] = newSpool(f)
		spools[i].ctx, spools[i].cancel = context.WithCancel(ctx)
		defer f.Close()
	}
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel (deferred later, run first)
	defer cancel()
	sem := make(chan struct{}, maxParallelLayers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := start; i < len(p.layers); i++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(p.layers); j++ {
					spools[j].finish(ctx.Err())
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				download(spools[i].ctx, src, p.layers[i], cache, spools[i], pr)
			}()
		}
	}()

	parent := ""
	if start > 0 {
		parent = p.ids[start-1]
	}
	for i := start; i < len(p.layers); i++ {
		if err := applyLayer(s, p, i, parent, spools[i]); err != nil {
			return err
		}
		cache.RecordDigestUncompressedPair(p.layers[i].Digest, p.diffIDs[i])
		pr.send(types.ProgressProperties{Event: types.ProgressEventDone, Artifact: p.layers[i],
			Offset: uint64(p.layers[i].Size)})
		fault.Point("pull.layer")
		parent = p.ids[i]
	}
	return nil
}

// applyLayer stores layer i of p on parent from its spool: decompressed
// once, its diffID computed on the way, storage told both digests so it
// computes neither again.
func applyLayer(s *storage.Store, p *layerPlan, i int, parent string, sp *spool) error {
	comp := sp.reader()
	dec, _, err := compression.AutoDecompress(comp)
	if err != nil {
		if serr := sp.wait(); serr != nil {
			return serr
		}
		return fmt.Errorf("layer %s: %w", p.layers[i].Digest, err)
	}
	defer func() {
		// a download still running (storage stopped early) would hold
		// the decompressor's Close, which waits for its read-ahead
		sp.cancel()
		_ = dec.Close()
	}()
	r := &diffReader{dec: dec, comp: comp, want: p.diffIDs[i], h: digest.SHA256.Hash(), blob: p.layers[i].Digest}
	size := p.layers[i].Size
	_, _, err = s.Store.PutLayer(p.ids[i], parent, nil, "", false, &cstorage.LayerOptions{
		OriginalDigest:     p.layers[i].Digest,
		OriginalSize:       &size,
		UncompressedDigest: p.diffIDs[i],
	}, r)
	if errors.Is(err, cstorage.ErrDuplicateID) {
		return nil // a concurrent pull stored it first
	}
	if err != nil {
		// the download's own error says more than storage's wrapping of it
		if serr := sp.err(); serr != nil {
			return serr
		}
		return fmt.Errorf("storing layer %s: %w", p.layers[i].Digest, err)
	}
	return nil
}

// diffReader is a layer's uncompressed stream. At its end it reads the
// compressed stream to its end too (where the download checks the blob
// digest) and compares the diffID: on a mismatch it returns an error
// instead of io.EOF, and storage drops the layer.
type diffReader struct {
	dec  io.Reader
	comp io.Reader
	h    hash.Hash
	want digest.Digest
	blob digest.Digest
	n    int64
	err  error
}

func (r *diffReader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(b)
	r.h.Write(b[:n])
	if r.n < 1<<18 && r.n+int64(n) >= 1<<18 {
		fault.Point("pull.layer.applying") // storage is extracting the layer
	}
	r.n += int64(n)
	switch {
	case err == io.EOF:
		if _, cerr := io.Copy(io.Discard, r.comp); cerr != nil {
			r.err = cerr
		} else if got := digest.NewDigest(digest.SHA256, r.h); got != r.want {
			r.err = fmt.Errorf("layer %s does not match the config's DiffID %s (its content is %s)", r.blob, r.want, got)
		} else {
			r.err = io.EOF
		}
		return n, r.err
	case err != nil:
		r.err = err
	}
	return n, err
}

// download writes blob into sp, checking its size and digest; the spool
// ends with the error when they do not match.
func download(ctx context.Context, src types.ImageSource, blob types.BlobInfo, cache types.BlobInfoCache, sp *spool, pr *progress) {
	pr.send(types.ProgressProperties{Event: types.ProgressEventNewArtifact, Artifact: blob})
	rc, _, err := src.GetBlob(ctx, blob, cache)
	if err != nil {
		sp.finish(fmt.Errorf("reading blob %s: %w", blob.Digest, err))
		return
	}
	defer rc.Close()
	h := blob.Digest.Algorithm().Hash()
	w := &progressWriter{sp: sp, pr: pr, blob: blob}
	n, err := io.Copy(io.MultiWriter(h, w), io.LimitReader(rc, blob.Size+1))
	switch {
	case err != nil:
		err = fmt.Errorf("reading blob %s: %w", blob.Digest, err)
	case n != blob.Size:
		err = fmt.Errorf("blob %s: %d bytes, the manifest says %d", blob.Digest, n, blob.Size)
	case digest.NewDigest(blob.Digest.Algorithm(), h) != blob.Digest:
		err = fmt.Errorf("blob %s: digest mismatch: the registry sent %s", blob.Digest, digest.NewDigest(blob.Digest.Algorithm(), h))
	}
	sp.finish(err)
}

// progressWriter writes into a spool and reports the bytes moved.
type progressWriter struct {
	sp   *spool
	pr   *progress
	blob types.BlobInfo
	n    int64
	last time.Time
}

func (w *progressWriter) Write(b []byte) (int, error) {
	n, err := w.sp.write(b)
	w.n += int64(n)
	if w.pr != nil && time.Since(w.last) >= progressInterval {
		w.last = time.Now()
		w.pr.send(types.ProgressProperties{Event: types.ProgressEventRead, Artifact: w.blob, Offset: uint64(w.n)})
	}
	return n, err
}

// spool is a layer's compressed blob as it downloads: a temporary file
// its reader follows, waiting for more until the download ends.
type spool struct {
	ctx     context.Context // the download's
	cancel  context.CancelFunc
	f       *os.File
	mu      sync.Mutex
	cond    *sync.Cond
	n       int64
	done    bool
	failure error
}

func newSpool(f *os.File) *spool {
	sp := &spool{f: f}
	sp.cond = sync.NewCond(&sp.mu)
	return sp
}

func (sp *spool) write(b []byte) (int, error) {
	n, err := sp.f.Write(b)
	sp.mu.Lock()
	sp.n += int64(n)
	sp.mu.Unlock()
	sp.cond.Broadcast()
	return n, err
}

// finish ends the download, with err when it failed (once).
func (sp *spool) finish(err error) {
	sp.mu.Lock()
	if !sp.done {
		sp.done, sp.failure = true, err
	}
	sp.mu.Unlock()
	sp.cond.Broadcast()
}

// wait waits for the download to end and returns its error.
func (sp *spool) wait() error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for !sp.done {
		sp.cond.Wait()
	}
	return sp.failure
}

// err is the download's error so far.
func (sp *spool) err() error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.failure
}

func (sp *spool) reader() io.Reader { return &spoolReader{sp: sp} }

type spoolReader struct {
	sp  *spool
	off int64
}

// Read returns the blob's bytes as they arrive; io.EOF only once the
// whole blob has arrived and matched its digest.
func (r *spoolReader) Read(b []byte) (int, error) {
	sp := r.sp
	sp.mu.Lock()
	for r.off == sp.n && !sp.done {
		sp.cond.Wait()
	}
	n, failure, done := sp.n, sp.failure, sp.done
	sp.mu.Unlock()
	if failure != nil {
		return 0, failure
	}
	if r.off == n && done {
		return 0, io.EOF
	}
	k, err := sp.f.ReadAt(b[:min(int64(len(b)), n-r.off)], r.off)
	r.off += int64(k)
	if err == io.EOF && k > 0 {
		err = nil
	}
	return k, err
}
