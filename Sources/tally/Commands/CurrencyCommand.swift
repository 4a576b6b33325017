import ArgumentParser
import Logging
import TallyCore
import TallyRepresentations

/// `tally currency create --realm ID --name NAME [--emoji E] [--default]`.
struct CurrencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "currency", abstract: "Manage currencies.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a currency and print it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Option(help: "The currency's name.") var name: String
        @Option(help: "An emoji.") var emoji: String?
        @Flag(help: "Make it the realm's default currency.") var `default` = false
        @Option(help: "Lowest balance allowed (0 or below; default 0).") var minimumBalance: Int64 = 0
        @Option(help: "Highest balance allowed (default: none).") var maximumBalance: Int64?
        @Flag(help: "Forbid transfers between members.") var nonTransferable = false

        func run() async throws {
            try await runReportingErrors {
                let draft = CurrencyDraft(
                    name: name, emoji: emoji, isDefault: self.default, minimumBalance: minimumBalance,
                    maximumBalance: maximumBalance, isTransferable: !nonTransferable)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(
                        Representation.CurrencyBody(try await store.createCurrency(draft, in: try parseRealm(realm))))
                }
            }
        }
    }
}
