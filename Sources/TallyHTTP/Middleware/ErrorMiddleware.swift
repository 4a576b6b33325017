import Hummingbird
import Logging
import NIOCore
import TallyCore

/// Every error becomes the JSON failure body of SPEC section 3, with the request's id. Nothing
/// escapes as a 500; an unexpected error is logged and answered as 503 `UNAVAILABLE`. Only
/// `RequestLogMiddleware` runs outside it.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, context: context)
        }
    }

    /// The JSON failure response for any error.
    static func response(for error: any Error, request: Request, context: Context) -> Response {
        switch error {
        case let error as TallyError:
            return error.response(context: context)
        case is NIOTooManyBytesError:
            return TallyError(.payloadTooLarge, "The request body is too large.").response(context: context)
        case let error as any HTTPResponseError:
            return translate(error.status, request: request).response(context: context)
        default:
            context.logger.error(
                "unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return TallyError.unavailable.response(context: context)
        }
    }

    static func translate(_ status: HTTPResponse.Status, request: Request) -> TallyError {
        switch status {
        case .notFound:
            TallyError(.notFound, "No route matches \(request.method) \(request.uri.path).")
        case .contentTooLarge:
            TallyError(.payloadTooLarge, "The request body is too large.")
        case .methodNotAllowed:
            TallyError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path).")
        case .unauthorized:
            TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        default:
            TallyError(.validation, "The request is not valid (\(status.code)).")
        }
    }
}
