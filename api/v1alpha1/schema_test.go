package v1alpha1_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/api/schemagen"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestSchemaIsGeneratedFromTheTypes regenerates the schema from this
// package's source: the committed copy (what stsrender schema prints) must
// be the same. go generate ./api/... rewrites it.
func TestSchemaIsGeneratedFromTheTypes(t *testing.T) {
	got, err := schemagen.Generate(".", "STSCredentials", v1alpha1.RequiredFields())
	require.NoError(t, err)
	assert.Equal(t, string(got), string(v1alpha1.Schema()), "stscredentials.schema.json drifted from the types: run go generate ./api/...")
}

// TestConfigReferenceDocumentsTheSchema: every field of the schema is in
// the config reference, docs/config.md (itself or through a documented parent), and
// every field the reference names is in the schema.
func TestConfigReferenceDocumentsTheSchema(t *testing.T) {
	paths, err := schemagen.Paths(v1alpha1.Schema())
	require.NoError(t, err)
	inSchema := map[string]bool{}
	hasChildren := map[string]bool{}
	for _, p := range paths {
		inSchema[p] = true
		if i := strings.LastIndex(p, "."); i > 0 {
			hasChildren[p[:i]] = true
		}
	}
	reference, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	require.NoError(t, err)
	section := string(reference)
	section = section[strings.Index(section, "## The config ("):]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	documented := map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| ((?:`spec[^`]*`(?:, )?)+) \\|")
	name := regexp.MustCompile("`(spec[^`]*)`")
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		for _, n := range name.FindAllStringSubmatch(m[1], -1) {
			documented[n[1]] = true
			assert.True(t, inSchema[n[1]], "docs/config.md documents %s, which the schema does not have", n[1])
		}
	}
	require.NotEmpty(t, documented)
	for _, p := range paths {
		if !strings.HasPrefix(p, "spec.") || hasChildren[p] && !documented[p] {
			continue // apiVersion, kind, metadata; a section documented by its fields
		}
		covered := false
		for q := p; q != ""; {
			if documented[q] {
				covered = true
				break
			}
			i := strings.LastIndex(q, ".")
			if i < 0 {
				break
			}
			q = q[:i]
		}
		assert.True(t, covered, "the schema has %s, which docs/config.md does not document", p)
	}
}

// TestExamplesStayInsideTheSchema: every key an example config writes is a
// schema property and every value of an enum field is one the schema lists,
// so an editor with the schema never flags what the docs ship; and Decode
// accepts the same files.
func TestExamplesStayInsideTheSchema(t *testing.T) {
	var s schemagen.Schema
	require.NoError(t, json.Unmarshal(v1alpha1.Schema(), &s))
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*.yaml"))
	require.NoError(t, err)
	deeper, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "clusters", "*", "*", "*.yaml"))
	require.NoError(t, err)
	checked := 0
	for _, file := range append(files, deeper...) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		nodes, err := kio.FromBytes(data)
		require.NoError(t, err, file)
		for _, node := range nodes {
			if node.GetKind() != "STSCredentials" {
				continue
			}
			checked++
			text, err := node.String()
			require.NoError(t, err)
			_, err = v1alpha1.Decode(file, []byte(text))
			assert.NoError(t, err, file)
			var doc any
			require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
			for _, problem := range outsideSchema("", doc, &s) {
				t.Errorf("%s: %s", file, problem)
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 10, "the example configs were not found")
}

func outsideSchema(path string, value any, s *schemagen.Schema) []string {
	var problems []string
	switch v := value.(type) {
	case map[string]any:
		for key, child := range v {
			p := strings.TrimPrefix(path+"."+key, ".")
			prop, ok := s.Properties[key]
			if !ok {
				if allowed, isBool := s.AdditionalProperties.(bool); isBool && !allowed {
					problems = append(problems, p+" is not in the schema")
				}
				continue // otherwise free-form: metadata, tags
			}
			problems = append(problems, outsideSchema(p, child, prop)...)
		}
	case []any:
		for _, item := range v {
			if s.Items != nil {
				problems = append(problems, outsideSchema(path, item, s.Items)...)
			}
		}
	default:
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, fmt.Sprint(v)) {
			problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", path, v, s.Enum))
		}
		if s.Const != "" && s.Const != fmt.Sprint(v) {
			problems = append(problems, fmt.Sprintf("%s: %v is not %s", path, v, s.Const))
		}
	}
	return problems
}
