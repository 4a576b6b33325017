import ArgumentParser
import Foundation
import Logging
import TallyCore
import TallyPortability

/// `tally import`: loads an export (`tally export`) into a database, in one transaction.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an export (from tally export) into this database, all or nothing.",
        discussion: """
            The database may be empty or hold other realms; a realm, currency, member or key the file \
            names must not be in it already. With a journal in the file, its entries are written as \
            they were and their chains checked as they are read; without one, each non-zero balance \
            gets an opening journal entry of kind import. Any error names the line and leaves the \
            database as it was. Prints a summary as JSON; progress goes to stderr on a terminal.
            """)
    @OptionGroup var options: DatabaseOptions
    @Argument(help: "The export file, or - for standard input.") var file: String
    @Option(help: "The initiatorId of opening entries (an export without a journal).")
    var initiator = "tally import"

    struct Summary: Encodable {
        let realms, currencies, members, credentials, entries, balances, keys: Int
        let seconds: Double
    }

    func run() async throws {
        try await runReportingErrors {
            try InputFile.checkInitiator(initiator)
            let file = try InputFile(self.file)
            let input = file.handle
            let size = file.size
            let meter = ProgressMeter("import", unit: "bytes", total: size)
            let started = Date()
            let clock = TallyClock.system
            let reader = try ImportReader(
                input, ids: IDGenerator(clock: clock), now: clock.now.millisecondsSince1970, initiatorID: initiator
            ) { _, bytes in meter.update(bytes) }
            defer { meter.finish() }  // also when the import fails: the error starts on a line of its own
            let summary = try await options.withStore(logger: Logger(label: "tally")) { store in
                // The file is read and checked while the store writes the chunk before.
                let readAhead = ReadAhead(reader)
                defer { readAhead.stop() }
                return try await store.load(readAhead)
            }
            meter.finish()
            let seconds = Date().timeIntervalSince(started)
            Output.json(
                Summary(
                    realms: summary.realms, currencies: summary.currencies, members: summary.members,
                    credentials: summary.credentials, entries: summary.entries, balances: summary.balances,
                    keys: summary.keys, seconds: (seconds * 100).rounded() / 100))
            Output.message(
                "tally: imported \(summary.realms) realm(s), \(summary.members) members, \(summary.entries) journal entries and \(summary.balances) balances in \(String(format: "%.2f", seconds)) s."
            )
        }
    }
}
