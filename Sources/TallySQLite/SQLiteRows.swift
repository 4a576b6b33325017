import Foundation
import GRDB
import TallyCore

/// Row decoding of the columns `StoredSchema` lists.
extension SQLiteLedgerStore {

    /// `StoredSchema.Caseless` for SQLite, which already sorts NULLs first ascending and last
    /// descending.
    static func caseless(_ column: String, _ direction: String) -> String { "\(column) COLLATE NOCASE \(direction)" }

    static func realm(from row: Row) -> Realm {
        Realm(
            id: RealmID(canonical: row["id"]), name: row["name"], description: row["description"],
            subdomain: row["subdomain"], createdAtMilliseconds: row["created_at"],
            updatedAtMilliseconds: row["updated_at"])
    }

    static func currency(from row: Row) -> Currency {
        Currency(
            id: CurrencyID(canonical: row["id"]), realmID: RealmID(canonical: row["realm_id"]), name: row["name"],
            emoji: row["emoji"], customEmojiURL: row["custom_emoji_url"], metadata: StoredSchema.json(row["metadata"]),
            isDefault: row["is_default"], archivedAtMilliseconds: row["archived_at"],
            minimumBalance: row["minimum_balance"], maximumBalance: row["maximum_balance"],
            isTransferable: row["transferable"], createdAtMilliseconds: row["created_at"],
            updatedAtMilliseconds: row["updated_at"])
    }

    static func member(from row: Row) -> Member {
        Member(
            id: MemberID(canonical: row["id"]), realmID: RealmID(canonical: row["realm_id"]),
            credentials: Credentials(
                username: row["username"], discordId: row["discord_id"], twitterId: row["twitter_id"],
                wallet: row["wallet"], email: row["email"]),
            metadata: StoredSchema.json(row["metadata"]), createdAtMilliseconds: row["created_at"],
            updatedAtMilliseconds: row["updated_at"])
    }

    static func journalEntry(from row: Row) -> JournalEntry {
        let kind: String = row["kind"]
        return JournalEntry(
            id: JournalEntryID(canonical: row["id"]), sequence: row["seq"],
            realmID: RealmID(canonical: row["realm_id"]),
            memberID: MemberID(canonical: row["member_id"]), currencyID: CurrencyID(canonical: row["currency_id"]),
            amount: row["amount"], balanceBefore: row["balance_before"], balanceAfter: row["balance_after"],
            batchID: BatchID(canonical: row["batch_id"]), initiatorID: row["initiator_id"],
            kind: EntryKind(rawValue: kind) ?? .batch, createdAtMilliseconds: row["created_at"])
    }

    static func key(from row: Row) -> APIKey {
        let realm: String? = row["realm_id"]
        let hash: Data = row["secret_hash"]
        return APIKey(
            id: KeyID(canonical: row["id"]), realmID: realm.map(RealmID.init(canonical:)), name: row["name"],
            scopes: StoredSchema.scopes(text: row["scopes"]),
            secretHash: Array(hash), createdAtMilliseconds: row["created_at"],
            revokedAtMilliseconds: row["revoked_at"])
    }
}

/// A GRDB row, read by column name.
struct SQLiteStoredRow: StoredRow {
    let row: Row

    init(_ row: Row) { self.row = row }

    func text(_ column: String) -> String { row[column] }
    func optionalText(_ column: String) -> String? { row[column] }
    func integer(_ column: String) -> Int64 { row[column] }
    func optionalInteger(_ column: String) -> Int64? { row[column] }
    func boolean(_ column: String) -> Bool { row[column] }
    func bytes(_ column: String) -> [UInt8] { Array(row[column] as Data) }
}
