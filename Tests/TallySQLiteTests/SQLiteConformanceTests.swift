import TallyCore
import TallySQLite
import TallyStoreConformance
import Testing

/// The shared store contract, run against the embedded SQLite store.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: LedgerStoreConformance.cases)
    func conformance(_ behaviour: LedgerStoreConformance.Case) async throws {
        let directory = try TemporaryDirectory()
        try await behaviour.run {
            try SQLiteLedgerStore(path: directory.path("tally-\(IDGenerator().make(KeyKind.self)).sqlite"))
        }
        withExtendedLifetime(directory) {}
    }
}
