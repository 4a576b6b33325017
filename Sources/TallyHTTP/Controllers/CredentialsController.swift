import Hummingbird
import TallyCore
import TallyRepresentations

/// The tags `Credentials` and `Credentials-Balances`: ghost credentials, identities that hold
/// balances before a member owns them (reference 1.7 and 2.12). Every balance change goes through
/// `CredentialPlanner` to the same planner, journal and idempotency as member changes.
struct CredentialsController {
    let store: any LedgerStore
    let limits: Limits

    /// The identity a query names with `type`, `value` and `source` (each name after `prefix`,
    /// capitalised: `fromType`, `fromValue`, `fromSource`).
    func identity(_ request: Request, prefix: String = "") throws(TallyError) -> CredentialIdentity {
        let query = QueryReader(request)
        func name(_ field: String) -> String {
            prefix.isEmpty ? field : prefix + field.prefix(1).uppercased() + field.dropFirst()
        }
        let bound = limits.credentialLengthMax * 4
        let kind = try CredentialIdentity.kind(dripType: try query.required(name("type"), maxLength: 64))
        return try CredentialIdentity(
            kind: kind, value: try query.required(name("value"), maxLength: bound),
            source: try query.string(name("source"), maxLength: bound), limits: limits)
    }

    // MARK: Credentials

    struct SocialBody: Decodable {
        let provider: String
        let providerId: String
        let username: String?
        let accountId: String?
        let metadata: JSONValue?
    }

    /// `POST credentials/social`.
    @Sendable func createSocial(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(SocialBody.self, from: bytes)
        let draft = try CredentialDraft.social(
            provider: body.provider, providerID: body.providerId, username: body.username,
            accountID: try body.accountId.map { text throws(TallyError) in try IDField.member(text, field: "accountId")
            },
            metadata: body.metadata, limits: limits)
        return try await create(draft, request, context, realmID, bytes)
    }

    struct WalletBody: Decodable {
        let address: String
        let chain: String
        let walletProvider: String?
        let walletName: String?
        let accountId: String?
        let metadata: JSONValue?
    }

    /// `POST credentials/wallet`.
    @Sendable func createWallet(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(WalletBody.self, from: bytes)
        let draft = try CredentialDraft.wallet(
            address: body.address, chain: body.chain, walletProvider: body.walletProvider,
            walletName: body.walletName,
            accountID: try body.accountId.map { text throws(TallyError) in try IDField.member(text, field: "accountId")
            },
            metadata: body.metadata, limits: limits)
        return try await create(draft, request, context, realmID, bytes)
    }

    private func create(
        _ draft: CredentialDraft, _ request: Request, _ context: TallyRequestContext, _ realmID: RealmID,
        _ bytes: ByteBuffer
    ) async throws -> Response {
        try await IdempotentWrite.run(
            .credential(.create(draft, realm: realmID)), store: store, request: request, context: context, body: bytes
        ) { JSONResponse.stored(.ok, Representation.CredentialBody($0.credential)) }
    }

    /// `GET credentials/find`: 404 `CREDENTIAL_NOT_FOUND` when there is none.
    @Sendable func find(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        let details = try await store.credentialDetails(try identity(request), in: realmID)
        return JSONResponse.make(.ok, Representation.CredentialFoundBody(details))
    }

    /// `POST credentials/link?type&value&accountId`: 204; the ghost's balances move to the member.
    @Sendable func link(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        let identity = try identity(request)
        let account = try IDField.member(
            try QueryReader(request).required("accountId", maxLength: 64), field: "accountId")
        let initiator = try QueryReader(request).string("initiatorId", maxLength: limits.initiatorLengthMax)
        return try await IdempotentWrite.run(
            .credential(.link(identity, to: account, realm: realmID, initiatorID: initiator)), store: store,
            request: request, context: context, body: nil
        ) { _ in StoredResponse(status: 204, body: []) }
    }

    /// `DELETE credentials/`: 204; 400 `CANNOT_DELETE_WITH_BALANCES` while it holds any.
    @Sendable func delete(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        _ = try await store.perform(.credential(.delete(try identity(request), realm: realmID)), idempotency: nil)
        return Response(status: .noContent)
    }

    struct MetadataBody: Decodable {
        let metadata: JSONValue
    }

    /// `PATCH credentials/metadata`: 204.
    @Sendable func metadata(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let identity = try identity(request)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(MetadataBody.self, from: bytes)
        let write = CredentialWrite.setMetadata(
            try body.metadata.validatedMetadata(limits: limits), of: identity, realm: realmID)
        return try await IdempotentWrite.run(
            .credential(write), store: store, request: request, context: context, body: bytes
        ) { _ in StoredResponse(status: 204, body: []) }
    }

    // MARK: Credentials-Balances

    struct BalanceBody: Decodable {
        let fields: BalancesController.ChangeFields

        init(from decoder: any Decoder) throws {
            fields = try BalancesController.ChangeFields(try decoder.container(keyedBy: AnyKey.self))
        }
    }

    struct BalanceResponse: Encodable {
        let credentialId: String
        let identifier: String
        let balance: Int64
        let realmPointId: String
        let linked: Bool
        let accountId: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(credentialId, forKey: AnyKey("credentialId"))
            try container.encode(identifier, forKey: AnyKey("identifier"))
            try container.encode(balance, forKey: AnyKey("balance"))
            try container.encode(realmPointId, forKey: AnyKey("realmPointId"))
            try container.encode(linked, forKey: AnyKey("linked"))
            try container.encode(accountId, forKey: AnyKey("accountId"))
        }
    }

    /// `PATCH credentials/balance`: `balance` is the new balance of what the credential addresses
    /// (its own, or its member's once `linked`). A credential nobody created yet is created.
    @Sendable func balance(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let identity = try identity(request)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let fields = try JSONBody.decode(BalanceBody.self, from: bytes).fields
        let batch = try CredentialBatch(
            realmID: realmID,
            changes: [
                CredentialChange(
                    identity: identity, amount: fields.amount,
                    currencyID: try IDField.currency(fields.currencyId, field: "realmPointId"))
            ],
            initiatorID: fields.initiatorId, kind: .single, limits: limits)
        return try await IdempotentWrite.run(
            .credential(.change(batch)), store: store, request: request, context: context, body: bytes
        ) {
            let receipt = $0.credentialReceipt
            let (applied, credential) = (receipt.receipt.changes[0], receipt.credentials[0])
            return JSONResponse.stored(
                .ok,
                BalanceResponse(
                    credentialId: credential.id.rawValue, identifier: credential.identity.value,
                    balance: applied.balanceAfter, realmPointId: applied.currencyID.rawValue,
                    linked: credential.isLinked, accountId: credential.accountID?.rawValue))
        }
    }

    struct TransactionBody: Decodable {
        struct Update: Decodable {
            let type: String
            let value: String
            let source: String?
            let amount: Int64
            let realmPointId: String?

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                type = try container.decode(String.self, forKey: AnyKey("type"))
                value = try container.decode(String.self, forKey: AnyKey("value"))
                source = try container.decodeFirst(String.self, forKeys: [AnyKey("source")])
                // The amount and currency under the names and aliases every balance route reads.
                let fields = try BalancesController.ChangeFields(container)
                amount = fields.amount
                realmPointId = fields.currencyId
            }
        }
        let updates: [Update]
        let initiatorId: String?
    }

    struct TransactionResponse: Encodable {
        struct Result: Encodable {
            let type: String
            let value: String
            let credentialId: String
            let balance: Int64
            let realmPointId: String
            let linked: Bool
        }
        struct Failure: Encodable {
            let type: String
            let value: String
            let error: String
        }
        let success: Bool
        let results: [Result]
        let errors: [Failure]
    }

    /// `PATCH credentials/transaction`: all or nothing, like the member batch. On success every
    /// update is in `results` (each `balance` the new one) and `errors` is empty; the first
    /// failing update fails the request with its code and index, and nothing is applied.
    @Sendable func transaction(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(TransactionBody.self, from: bytes)
        try Batch.checkSize(body.updates.count, limits: limits)
        var changes = [CredentialChange]()
        changes.reserveCapacity(body.updates.count)
        for (index, update) in body.updates.enumerated() {
            do {
                let identity = try CredentialIdentity(
                    kind: try CredentialIdentity.kind(dripType: update.type), value: update.value,
                    source: update.source,
                    limits: limits)
                changes.append(
                    CredentialChange(
                        identity: identity, amount: update.amount,
                        currencyID: try IDField.currency(update.realmPointId, field: "realmPointId")))
            } catch {
                throw TallyError(
                    error.code, "updates[\(index)]: \(error.message)", details: ["index": .integer(Int64(index))])
            }
        }
        let batch = try CredentialBatch(
            realmID: realmID, changes: changes, initiatorID: body.initiatorId, kind: .batch, limits: limits)
        return try await IdempotentWrite.run(
            .credential(.change(batch)), store: store, request: request, context: context, body: bytes
        ) {
            let receipt = $0.credentialReceipt
            let results = zip(batch.changes, zip(receipt.receipt.changes, receipt.credentials)).map {
                change, applied in
                TransactionResponse.Result(
                    type: change.identity.kind.rawValue, value: change.identity.value,
                    credentialId: applied.1.id.rawValue, balance: applied.0.balanceAfter,
                    realmPointId: applied.0.currencyID.rawValue, linked: applied.1.isLinked)
            }
            return JSONResponse.stored(.ok, TransactionResponse(success: true, results: results, errors: []))
        }
    }

    struct TransferResponse: Encodable {
        let fromCredentialId: String
        let toCredentialId: String
        let amount: Int64
        let realmPointId: String
        let fromBalance: Int64
        let toBalance: Int64
    }

    /// `PATCH credentials/transfer?fromType&fromValue&toType&toValue`: the sender must exist; a
    /// recipient nobody created yet is created. The currency must be transferable.
    @Sendable func transfer(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let sender = try identity(request, prefix: "from")
        let recipient = try identity(request, prefix: "to")
        let bytes = try await JSONBody.collect(request, limits: limits)
        let fields = try JSONBody.decode(BalanceBody.self, from: bytes).fields
        let batch = try CredentialBatch.transfer(
            realm: realmID, from: sender, to: recipient, amount: fields.amount,
            currency: try IDField.currency(fields.currencyId, field: "realmPointId"), initiatorID: fields.initiatorId,
            limits: limits)
        return try await IdempotentWrite.run(
            .credential(.change(batch)), store: store, request: request, context: context, body: bytes
        ) {
            let receipt = $0.credentialReceipt
            let (debit, credit) = (receipt.receipt.changes[0], receipt.receipt.changes[1])
            return JSONResponse.stored(
                .ok,
                TransferResponse(
                    fromCredentialId: receipt.credentials[0].id.rawValue,
                    toCredentialId: receipt.credentials[1].id.rawValue, amount: credit.amount,
                    realmPointId: debit.currencyID.rawValue, fromBalance: debit.balanceAfter,
                    toBalance: credit.balanceAfter))
        }
    }
}
