import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// The member count from `realm_counts` (kept by triggers on `members`) and the activity
    /// from the balance file's `activity` (kept by the follower), once the file covers every
    /// write answered before the call.
    public func overview(of realmID: RealmID, since: Int64) async throws -> RealmOverview {
        try await readSettled("overview") { db in
            try Self.requireRealm(db, realmID)
            let members = try db.row(Self.statements.memberCount(in: realmID))?.integer("members") ?? 0
            let activity = try db.rows(Self.statements.activity(in: realmID, since: since)).map(
                ActivityHour.init(stored:))
            return RealmOverview(members: members, activity: activity)
        }
    }
}
