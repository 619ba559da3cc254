// Package rundir lays out a run's folder, store/<workload>/<timestamp>/, and
// keeps the latest and current symlinks up to date, as Jepsen's store does.
package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"olympos.io/encoding/edn"
)

// Run is one run's folder.
type Run struct {
	Root string // the store folder
	Name string // the workload name, the first level under Root
	Dir  string // Root/Name/<timestamp>
}

// Timestamp formats t as Jepsen names run folders: basic date-time with
// milliseconds and zone, e.g. 20261122T015435.123Z.
func Timestamp(t time.Time) string {
	s := t.Format("20060102T150405.000Z0700")
	return s
}

// Create makes a new run folder for a test of the given name started at
// start, with its node-logs sub-folder, and points current at it.
func Create(root, name string, start time.Time) (*Run, error) {
	base := filepath.Join(root, name, Timestamp(start))
	dir := base
	for i := 1; ; i++ {
		err := os.MkdirAll(filepath.Dir(dir), 0o755)
		if err == nil {
			err = os.Mkdir(dir, 0o755)
		}
		if err == nil {
			break
		}
		if !os.IsExist(err) {
			return nil, fmt.Errorf("create run folder: %w", err)
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Mkdir(filepath.Join(dir, "node-logs"), 0o755); err != nil {
		return nil, fmt.Errorf("create node-logs: %w", err)
	}
	r := &Run{Root: root, Name: name, Dir: dir}
	if err := r.link("current"); err != nil {
		return nil, err
	}
	return r, nil
}

// Path returns the path of a file in the run folder.
func (r *Run) Path(name string) string { return filepath.Join(r.Dir, name) }

// MarkLatest points store/latest and store/<name>/latest at this run.
func (r *Run) MarkLatest() error {
	if err := r.link("latest"); err != nil {
		return err
	}
	return replaceSymlink(filepath.Base(r.Dir), filepath.Join(r.Root, r.Name, "latest"))
}

func (r *Run) link(name string) error {
	rel, err := filepath.Rel(r.Root, r.Dir)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return replaceSymlink(rel, filepath.Join(r.Root, name))
}

func replaceSymlink(target, link string) error {
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	return nil
}

// WriteEDN pretty-prints v as EDN into the named file.
func (r *Run) WriteEDN(name string, v any) error {
	b, err := EDN(v)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return os.WriteFile(r.Path(name), append(b, '\n'), 0o644)
}

// WriteJSON writes v as indented JSON into the named file.
func (r *Run) WriteJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return os.WriteFile(r.Path(name), append(b, '\n'), 0o644)
}

// EDN pretty-prints v as EDN.
func EDN(v any) ([]byte, error) {
	return edn.MarshalPPrint(v, &edn.PPrintOpts{RightMargin: 100})
}
