package cli

import (
	"github.com/spf13/cobra"
)

func newCompletionCmd(inv *invocation) *cobra.Command {
	shells := []string{"bash", "zsh", "fish"}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: `Print the shell completion script: commands, flags, envs, services, colors,
stacks and rehearsal scenarios complete.

  bash: source <(infra completion bash)
  zsh:  infra completion zsh > "${fpath[1]}/_infra"
  fish: infra completion fish > ~/.config/fish/completions/infra.fish`,
		Args:      exactArgs("<shell>"),
		ValidArgs: shells,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("shell", args[0], shells); err != nil {
				return err
			}
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(inv.stdout, true)
			case "zsh":
				return root.GenZshCompletion(inv.stdout)
			}
			return root.GenFishCompletion(inv.stdout, true)
		},
	}
}
