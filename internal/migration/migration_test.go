package migration

import (
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/README":         {Data: []byte("not a migration")},
	}
	files, err := List(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Version != 2 || files[0].SQL != "A" || files[1].Version != 10 || files[1].SQL != "B" {
		t.Fatalf("List = %+v", files)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"bad number":  {"m/first.sql": {}},
		"same number": {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
	} {
		if _, err := List(fsys, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
