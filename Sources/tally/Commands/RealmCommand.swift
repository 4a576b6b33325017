import ArgumentParser
import Logging
import TallyRepresentations

/// `tally realm create --name NAME`.
struct RealmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realm", abstract: "Manage realms.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a realm and print it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's name.") var name: String

        func run() async throws {
            try await runReportingErrors {
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(Representation.RealmBody(try await store.createRealm(name: name)))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every realm, one JSON object per line.")
        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await runReportingErrors {
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.jsonLines(try await store.realms().map(Representation.RealmBody.init))
                }
            }
        }
    }
}
