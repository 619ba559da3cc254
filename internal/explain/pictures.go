package explain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
)

// maxPictures caps the lin-kv keys drawn, since each one repeats the
// search.
const maxPictures = 5

// pictureTimeout bounds each picture's search; on a timeout porcupine
// still draws what it found.
const pictureTimeout = 10 * time.Second

// WritePictures draws porcupine's visualization of each lin-kv key that is
// not linearizable (the first few) into dir, and returns the file of each
// key drawn. Other results draw nothing.
func WritePictures(dir string, h []history.Op, res checker.Result) (map[int64]string, error) {
	r, ok := res.(linearizable.Result)
	if !ok {
		return nil, nil
	}
	keys := slices.Clone(r.Failures)
	slices.Sort(keys)
	out := map[int64]string{}
	var errs []error
	for i, k := range keys {
		if i == maxPictures {
			break
		}
		name := PictureFile(k)
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = linearizable.Visualize(f, h, k, pictureTimeout)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("key %d: %w", k, err))
			continue
		}
		out[k] = name
	}
	return out, errors.Join(errs...)
}
