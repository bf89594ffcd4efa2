// Command oras-client is a real ORAS client for the interop tests: it is built from Debian's ORAS Go
// library v1 (golang-oras-oras-go-dev), so what it pushes and pulls is what `oras` itself would.
//
//	oras-client push [--plain-http] <ref> <file> [<layer-media-type>]   one-layer artifact, titled by the file's base name
//	oras-client pull [--plain-http] <ref> <dir>                          writes every titled layer into <dir>
//
// Credentials come from the docker config.json ($DOCKER_CONFIG), like the oras CLI.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"oras.land/oras-go/pkg/content"
	"oras.land/oras-go/pkg/oras"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	verb, args := os.Args[1], os.Args[2:]
	plainHTTP := len(args) > 0 && args[0] == "--plain-http"
	if plainHTTP {
		args = args[1:]
	}
	if len(args) < 2 {
		usage()
	}
	if err := run(verb, args[0], args[1], args[2:], plainHTTP); err != nil {
		fmt.Fprintln(os.Stderr, "oras-client:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: oras-client push|pull [--plain-http] <ref> <file|dir> [media-type]")
	os.Exit(2)
}

func run(verb, ref, path string, rest []string, plainHTTP bool) error {
	ctx := context.Background()
	var configs []string
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		configs = append(configs, filepath.Join(dir, "config.json"))
	}
	registry, err := content.NewRegistry(content.RegistryOptions{PlainHTTP: plainHTTP, Configs: configs})
	if err != nil {
		return err
	}
	switch verb {
	case "push":
		return push(ctx, registry, ref, path, rest)
	case "pull":
		store := content.NewFile(path)
		defer store.Close()
		desc, err := oras.Copy(ctx, registry, ref, store, "")
		if err != nil {
			return err
		}
		fmt.Println(desc.Digest)
		return nil
	}
	return fmt.Errorf("unknown verb %q", verb)
}

func push(ctx context.Context, registry *content.Registry, ref, path string, rest []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	mediaType := ""
	if len(rest) > 0 {
		mediaType = rest[0]
	}
	memory := content.NewMemory()
	layer, err := memory.Add(filepath.Base(path), mediaType, data)
	if err != nil {
		return err
	}
	manifest, manifestDesc, config, configDesc, err := content.GenerateManifestAndConfig(nil, nil, layer)
	if err != nil {
		return err
	}
	memory.Set(configDesc, config)
	if err := memory.StoreManifest(ref, manifestDesc, manifest); err != nil {
		return err
	}
	desc, err := oras.Copy(ctx, memory, ref, registry, "")
	if err != nil {
		return err
	}
	fmt.Println(desc.Digest)
	return nil
}
