// composecheck loads a Compose file with compose-go, the loader `docker compose` (v2) itself
// uses, so the file is validated the way Compose v2 would read it without installing Compose
// v2. It prints the resolved project as JSON (like `docker compose config --format json`).
//
// Usage: composecheck -f docker-compose.yml [--env-file FILE] [-p NAME]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "Compose file")
	envFile := flag.String("env-file", "", "file of variables for substitution (default: .env beside the Compose file)")
	name := flag.String("p", "todo", "project name")
	flag.Parse()

	opts := []cli.ProjectOptionsFn{cli.WithName(*name), cli.WithOsEnv}
	if *envFile != "" {
		opts = append(opts, cli.WithEnvFiles(*envFile))
	} else {
		opts = append(opts, cli.WithEnvFiles())
	}
	opts = append(opts, cli.WithDotEnv, cli.WithInterpolation(true), cli.WithResolvedPaths(true))

	options, err := cli.NewProjectOptions([]string{*file}, opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "composecheck: %v\n", err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "composecheck: %v\n", err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fmt.Fprintf(os.Stderr, "composecheck: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
