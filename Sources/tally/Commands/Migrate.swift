import ArgumentParser
import Logging

/// `tally migrate`: brings the schema up to date.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await runReportingErrors {
            try await options.withStore(logger: Logger(label: "tally")) { store in
                try await store.migrate()
            }
            Output.json(["migrated": options.displayURL])
        }
    }
}
