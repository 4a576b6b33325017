import ArgumentParser
import Foundation
import Logging
import TallyCore

/// `tally verify`: checks every invariant of SPEC section 5; exit status 1 on any violation.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove the books balance: journal sums, balance-after chains, floors, ceilings, orphans.")
    @OptionGroup var options: DatabaseOptions

    struct Result: Encodable {
        struct Problem: Encodable {
            let kind: String
            let realmId: String?
            let dripId: String?
            let currencyId: String?
            let message: String
        }
        let ok: Bool
        let balancesChecked: Int
        let entriesChecked: Int
        let violations: [Problem]
    }

    func run() async throws {
        try await runReportingErrors {
            let report = try await options.withStore(logger: Logger(label: "tally")) { store in
                guard isatty(STDERR_FILENO) != 0 else {
                    return try await store.verify { done in
                        Output.progress("journal entries checked", done: done, total: nil)
                    }
                }
                let meter = ProgressMeter(
                    "verify", unit: "entries", total: Int64(try await store.journalEntryCount()))
                defer { meter.finish() }
                return try await store.verify { done in meter.update(Int64(done)) }
            }
            Output.json(
                Result(
                    ok: report.isClean, balancesChecked: report.balancesChecked, entriesChecked: report.entriesChecked,
                    violations: report.violations.map {
                        .init(
                            kind: $0.kind.rawValue, realmId: $0.realmID, dripId: $0.memberID, currencyId: $0.currencyID,
                            message: $0.message)
                    }))
            if !report.isClean {
                Output.message("tally: \(report.violations.count) invariant violation(s) found.")
                throw ExitCode(1)
            }
            Output.message("tally: the books balance.")
        }
    }
}
