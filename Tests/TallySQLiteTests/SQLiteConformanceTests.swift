import TallyCore
import TallySQLite
import TallyStoreConformance
import TallyTestSupport
import Testing

/// The shared store contract, run against the embedded SQLite store: each case gets fresh
/// databases, and every store it made has stopped before the directory goes.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: LedgerStoreConformance.cases)
    func conformance(_ behaviour: LedgerStoreConformance.Case) async throws {
        let directory = try TemporaryDirectory()
        try await ServiceScope.with { scope in
            try await behaviour.run(
                .init { clock in
                    scope.start(
                        try SQLiteLedgerStore(
                            path: directory.path("tally-\(IDGenerator().make(KeyKind.self)).sqlite"), clock: clock))
                })
        }
        withExtendedLifetime(directory) {}
    }
}
