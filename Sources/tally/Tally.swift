import ArgumentParser

/// The `tally` command line: every command prints one JSON object per result on stdout and
/// messages on stderr, and exits non-zero on error (SPEC section 6).
@main
struct Tally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A self-hosted reward points server that speaks the DRIP Rewards API.",
        subcommands: [
            Serve.self, Migrate.self, RealmCommand.self, CurrencyCommand.self, MemberCommand.self, KeyCommand.self,
            Verify.self,
        ])
}
