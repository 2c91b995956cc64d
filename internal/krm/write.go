package krm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// writeResourceList writes the output ResourceList one item at a time.
//
// kyaml's ByteWriter encodes the whole list as one YAML document, and
// yaml.v3's emitter keeps every event of a document until the document
// ends: for 10,000 streamed CredentialsRequests that is over a gigabyte of
// events and seconds of slice growth. Each item is encoded on its own
// here, then placed under items: with the indentation the one-document
// encoding gives it, so memory stays at one item's events and the bytes
// are those kyaml writes (TestWriterMatchesKyaml).
func writeResourceList(w io.Writer, apiVersion, kind string, items []*yaml.RNode, functionConfig, results *yaml.RNode) error {
	out := bufio.NewWriter(w)
	fmt.Fprintf(out, "apiVersion: %s\nkind: %s\n", apiVersion, kind)
	if len(items) == 0 {
		out.WriteString("items: []\n")
	} else {
		out.WriteString("items:\n")
	}
	var doc bytes.Buffer
	for _, item := range items {
		if err := yaml.ClearEmptyAnnotations(item); err != nil {
			return err
		}
		doc.Reset()
		if err := encodeNode(&doc, item.YNode()); err != nil {
			return err
		}
		writeIndented(out, doc.Bytes(), "- ", "  ")
	}
	for _, field := range []struct {
		key  string
		node *yaml.RNode
	}{{"functionConfig", functionConfig}, {"results", results}} {
		if field.node == nil {
			continue
		}
		doc.Reset()
		wrapper := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: field.key}, field.node.YNode()}}
		if err := encodeNode(&doc, wrapper); err != nil {
			return err
		}
		out.Write(doc.Bytes())
	}
	return out.Flush()
}

func encodeNode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return err
	}
	return enc.Close()
}

// writeIndented writes doc's first content line after first and every
// later non-empty line after rest. Head comments before the first content
// line stay at the sequence's column, and empty lines stay empty, as the
// one-document encoding writes them.
func writeIndented(out *bufio.Writer, doc []byte, first, rest string) {
	prefix := first
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i+1], doc[i+1:]
		} else {
			doc = nil
		}
		switch {
		case prefix == first && line[0] == '#':
		case len(line) > 1:
			out.WriteString(prefix)
			prefix = rest
		}
		out.Write(line)
	}
}
