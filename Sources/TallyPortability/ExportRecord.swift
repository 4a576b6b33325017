import Foundation
import TallyCore

/// One record line of an export: a stored record in the export format's fields. Field names
/// follow the DRIP API's where it has one. Decoding checks only the JSON's shape;
/// `ImportChecker` checks the values.
public enum ExportRecord: Sendable, Equatable {
    case realm(RealmLine)
    case currency(CurrencyLine)
    case member(MemberLine)
    case credential(CredentialLine)
    case holder(HolderLine)
    case entry(EntryLine)
    case balance(BalanceLine)
    case key(KeyLine)

    /// Every `type` a record line may have, in the order they come within a realm.
    public static let types = ["realm", "currency", "member", "credential", "holder", "entry", "balance", "key"]

    public struct RealmLine: Codable, Sendable, Equatable {
        public var type = "realm"
        public var id: String
        public var name: String
        public var description: String
        public var subdomain: String?
        public var createdAt: Int64
        public var updatedAt: Int64
        /// Present (true) only when the realm's public leaderboard is on.
        public var publicLeaderboard: Bool?
    }

    public struct CurrencyLine: Codable, Sendable, Equatable {
        public var type = "currency"
        public var id: String
        public var realmId: String
        public var name: String
        public var emoji: String?
        public var customEmojiUrl: String?
        public var metadata: JSONValue?
        public var isDefault: Bool
        public var archivedAt: Int64?
        public var minimumBalance: Int64
        public var maximumBalance: Int64?
        public var transferable: Bool
        public var createdAt: Int64
        public var updatedAt: Int64
    }

    public struct MemberLine: Codable, Sendable, Equatable {
        public var type = "member"
        public var id: String
        public var realmId: String
        public var username: String?
        public var discordId: String?
        public var twitterId: String?
        public var wallet: String?
        public var email: String?
        public var walletChain: String?
        public var walletName: String?
        public var metadata: JSONValue?
        public var createdAt: Int64
        public var updatedAt: Int64
    }

    public struct CredentialLine: Codable, Sendable, Equatable {
        public var type = "credential"
        public var id: String
        public var realmId: String
        /// The credential's kind (`twitter-id`, `discord-id`, `wallet`, `email`, `custom`).
        public var kind: String
        public var source: String
        public var value: String
        /// The member it is linked to, if any.
        public var accountId: String?
        public var provider: String?
        public var username: String?
        public var chain: String?
        public var walletProvider: String?
        public var walletName: String?
        public var metadata: JSONValue?
        public var createdAt: Int64
        public var updatedAt: Int64
        public var linkedAt: Int64?
    }

    /// The balance holder of a deleted ghost credential: its entries and balances name it.
    public struct HolderLine: Codable, Sendable, Equatable {
        public var type = "holder"
        public var id: String
        public var realmId: String
        public var createdAt: Int64
    }

    public struct EntryLine: Codable, Sendable, Equatable {
        public var type = "entry"
        public var id: String
        public var realmId: String
        public var memberId: String
        public var currencyId: String
        public var amount: Int64
        public var balanceBefore: Int64
        public var balanceAfter: Int64
        public var batchId: String
        public var initiatorId: String?
        public var kind: String
        public var createdAt: Int64
    }

    public struct BalanceLine: Codable, Sendable, Equatable {
        public var type = "balance"
        public var realmId: String
        public var memberId: String
        public var currencyId: String
        public var balance: Int64
        public var updatedAt: Int64
    }

    public struct KeyLine: Codable, Sendable, Equatable {
        public var type = "key"
        public var id: String
        /// The realm, or nil for an admin key.
        public var realmId: String?
        public var name: String?
        public var scopes: [String]
        /// The SHA-256 of the secret, in lowercase hex. The secret itself is never stored.
        public var secretHash: String
        public var createdAt: Int64
        public var revokedAt: Int64?
    }
}

extension ExportRecord {
    /// The line of a stored record.
    public init(_ record: StoredRecord) {
        switch record {
        case .realm(let realm):
            self = .realm(
                RealmLine(
                    id: realm.id.rawValue, name: realm.name, description: realm.description, subdomain: realm.subdomain,
                    createdAt: realm.createdAtMilliseconds, updatedAt: realm.updatedAtMilliseconds,
                    publicLeaderboard: realm.publicLeaderboard ? true : nil))
        case .currency(let c):
            self = .currency(
                CurrencyLine(
                    id: c.id.rawValue, realmId: c.realmID.rawValue, name: c.name, emoji: c.emoji,
                    customEmojiUrl: c.customEmojiURL, metadata: c.metadata, isDefault: c.isDefault,
                    archivedAt: c.archivedAtMilliseconds, minimumBalance: c.minimumBalance,
                    maximumBalance: c.maximumBalance, transferable: c.isTransferable,
                    createdAt: c.createdAtMilliseconds,
                    updatedAt: c.updatedAtMilliseconds))
        case .member(let m):
            let c = m.credentials
            self = .member(
                MemberLine(
                    id: m.id.rawValue, realmId: m.realmID.rawValue, username: c.username, discordId: c.discordId,
                    twitterId: c.twitterId, wallet: c.wallet, email: c.email, walletChain: c.walletChain,
                    walletName: c.walletName, metadata: m.metadata, createdAt: m.createdAtMilliseconds,
                    updatedAt: m.updatedAtMilliseconds))
        case .credential(let g):
            self = .credential(
                CredentialLine(
                    id: g.id.rawValue, realmId: g.realmID.rawValue, kind: g.identity.kind.rawValue,
                    source: g.identity.source, value: g.identity.value, accountId: g.accountID?.rawValue,
                    provider: g.provider, username: g.username, chain: g.chain, walletProvider: g.walletProvider,
                    walletName: g.walletName, metadata: g.metadata, createdAt: g.createdAtMilliseconds,
                    updatedAt: g.updatedAtMilliseconds, linkedAt: g.linkedAtMilliseconds))
        case .holder(let h):
            self = .holder(
                HolderLine(id: h.id.rawValue, realmId: h.realmID.rawValue, createdAt: h.createdAtMilliseconds))
        case .entry(let e):
            self = .entry(
                EntryLine(
                    id: e.id.rawValue, realmId: e.realmID.rawValue, memberId: e.memberID.rawValue,
                    currencyId: e.currencyID.rawValue, amount: e.amount, balanceBefore: e.balanceBefore,
                    balanceAfter: e.balanceAfter, batchId: e.batchID.rawValue, initiatorId: e.initiatorID,
                    kind: e.kind.rawValue, createdAt: e.createdAtMilliseconds))
        case .balance(let b):
            self = .balance(
                BalanceLine(
                    realmId: b.realmID.rawValue, memberId: b.memberID.rawValue, currencyId: b.currencyID.rawValue,
                    balance: b.balance, updatedAt: b.updatedAtMilliseconds))
        case .key(let k):
            self = .key(
                KeyLine(
                    id: k.id.rawValue, realmId: k.realmID?.rawValue, name: k.name,
                    scopes: StoredSchema.scopesText(k.scopes).split(separator: ",").map(String.init),
                    secretHash: Hex.encode(k.secretHash),
                    createdAt: k.createdAtMilliseconds, revokedAt: k.revokedAtMilliseconds))
        }
    }

    /// The `type` field of this record.
    public var type: String {
        switch self {
        case .realm(let line): line.type
        case .currency(let line): line.type
        case .member(let line): line.type
        case .credential(let line): line.type
        case .holder(let line): line.type
        case .entry(let line): line.type
        case .balance(let line): line.type
        case .key(let line): line.type
        }
    }

    /// The realm the record belongs to (nil for an admin key).
    public var realmID: String? {
        switch self {
        case .realm(let line): line.id
        case .currency(let line): line.realmId
        case .member(let line): line.realmId
        case .credential(let line): line.realmId
        case .holder(let line): line.realmId
        case .entry(let line): line.realmId
        case .balance(let line): line.realmId
        case .key(let line): line.realmId
        }
    }

    /// The JSON line, keys sorted, without its line feed.
    public func encoded(with encoder: JSONEncoder) throws -> Data {
        switch self {
        case .realm(let line): try encoder.encode(line)
        case .currency(let line): try encoder.encode(line)
        case .member(let line): try encoder.encode(line)
        case .credential(let line): try encoder.encode(line)
        case .holder(let line): try encoder.encode(line)
        case .entry(let line): try encoder.encode(line)
        case .balance(let line): try encoder.encode(line)
        case .key(let line): try encoder.encode(line)
        }
    }
}

extension ExportRecord: Decodable {
    private enum TypeKey: String, CodingKey { case type }

    /// Reads the record its `type` names; an unknown type is a `DecodingError` naming it.
    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "realm": self = .realm(try RealmLine(from: decoder))
        case "currency": self = .currency(try CurrencyLine(from: decoder))
        case "member": self = .member(try MemberLine(from: decoder))
        case "credential": self = .credential(try CredentialLine(from: decoder))
        case "holder": self = .holder(try HolderLine(from: decoder))
        case "entry": self = .entry(try EntryLine(from: decoder))
        case "balance": self = .balance(try BalanceLine(from: decoder))
        case "key": self = .key(try KeyLine(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: try decoder.container(keyedBy: TypeKey.self),
                debugDescription: "unknown record type '\(type.prefix(40))'")
        }
    }
}
