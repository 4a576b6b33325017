import TallyCore

/// Members imported as `tally member import` imports them: rows made into `MemberImport.Row`s
/// (checked before anything is written) and loaded through `LedgerLoader.load`, a chunk at a
/// time, in one transaction. Row `i` is numbered as line `i + 2`, as in a CSV file with a header.
public enum MemberImports {
    /// Imports `rows` into `realm`, with `balances[i]` (when given) as row `i`'s balances, and
    /// answers the members created, in order. The opening entries name `initiatorID`.
    public static func load(
        _ rows: [Credentials], balances: [[(currency: Currency, amount: Int64)]] = [], into realm: RealmID,
        store: any LedgerStore, chunkRows: Int = MemberImport.chunkRows, initiatorID: String? = "member import",
        ids: IDGenerator = IDGenerator(), now: Int64 = TallyClock.system.now.millisecondsSince1970
    ) async throws -> [Member] {
        var checked = [MemberImport.Row]()
        for (index, credentials) in rows.enumerated() {
            do {
                checked.append(
                    try MemberImport.Row(
                        credentials: credentials, balances: index < balances.count ? balances[index] : [],
                        line: index + 2))
            } catch {
                throw error.at(line: index + 2)
            }
        }
        let state = State(rows: checked[...])
        let source = MemberImport(realm: realm, ids: ids, now: now, initiatorID: initiatorID) {
            guard !state.rows.isEmpty else { return nil }
            let batch = Array(state.rows.prefix(chunkRows))
            state.rows = state.rows.dropFirst(batch.count)
            return batch
        } created: { members in
            state.created += members.map(\.value)
        }
        _ = try await store.load(source)
        return state.created
    }

    /// The rows not yet handed to the load and the members it has made, for the one task
    /// that runs it.
    private final class State {
        var rows: ArraySlice<MemberImport.Row>
        var created = [Member]()

        init(rows: ArraySlice<MemberImport.Row>) { self.rows = rows }
    }
}
