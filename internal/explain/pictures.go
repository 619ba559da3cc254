package explain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
)

// maxPictures caps the lin-kv keys drawn.
const maxPictures = 5

// WritePictures draws porcupine's visualization of each lin-kv key that is
// not linearizable (the first few) into dir, and returns the file of each
// key drawn. Other results draw nothing.
func WritePictures(dir string, res checker.Result) (map[int64]string, error) {
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
		err = linearizable.Visualize(f, r, k)
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
