import Foundation
import GRDB
import TallyCore

/// Row decoding, kept beside the column lists that select what it reads.
extension SQLiteLedgerStore {
    static let realmColumns = "id, name, description, subdomain, created_at, updated_at"
    static let currencyColumns = """
        realm_id, id, name, emoji, custom_emoji_url, metadata, is_default, archived_at, minimum_balance, \
        maximum_balance, transferable, created_at, updated_at
        """
    static let memberColumns =
        "realm_id, id, username, discord_id, twitter_id, wallet, email, metadata, created_at, updated_at"
    static let keyColumns = "id, realm_id, name, scopes, secret_hash, created_at, revoked_at"
    static let journalColumns = """
        seq, id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id, initiator_id, \
        kind, created_at
        """

    static func realm(from row: Row) -> Realm {
        Realm(
            id: RealmID(canonical: row["id"]), name: row["name"], description: row["description"],
            subdomain: row["subdomain"], createdAtMilliseconds: row["created_at"],
            updatedAtMilliseconds: row["updated_at"])
    }

    static func currency(from row: Row) -> Currency {
        Currency(
            id: CurrencyID(canonical: row["id"]), realmID: RealmID(canonical: row["realm_id"]), name: row["name"],
            emoji: row["emoji"], customEmojiURL: row["custom_emoji_url"], metadata: json(row["metadata"]),
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
            metadata: json(row["metadata"]), createdAtMilliseconds: row["created_at"],
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
        let scopeText: String = row["scopes"]
        let hash: Data = row["secret_hash"]
        return APIKey(
            id: KeyID(canonical: row["id"]), realmID: realm.map(RealmID.init(canonical:)), name: row["name"],
            scopes: Set(scopeText.split(separator: ",").compactMap { Scope(rawValue: String($0)) }),
            secretHash: Array(hash), createdAtMilliseconds: row["created_at"],
            revokedAtMilliseconds: row["revoked_at"])
    }

    static func scopeText(_ scopes: Set<Scope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: ",")
    }

    static func json(_ text: String?) -> JSONValue? { text.flatMap(JSONValue.init(text:)) }

    /// The column holding a credential kind.
    static func column(_ kind: Credentials.Kind) -> String {
        switch kind {
        case .username: "username"
        case .discordId: "discord_id"
        case .twitterId: "twitter_id"
        case .wallet: "wallet"
        case .email: "email"
        }
    }

    /// `pattern` for LIKE with `%`, `_` and `\` escaped (use with `ESCAPE '\'`).
    static func likeContains(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }
}
