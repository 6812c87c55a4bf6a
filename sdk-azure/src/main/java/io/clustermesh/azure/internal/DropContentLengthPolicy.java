package io.clustermesh.azure.internal;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import reactor.core.publisher.Mono;

/**
 * Removes the {@code Content-Length} request header the generated clients set, which the JDK HTTP client does not
 * allow: azure-core-http-jdk-httpclient drops it anyway but logs a WARN on every request. The JDK client computes the
 * length itself from in-memory bodies, the only kind the SDK sends; bodies of unknown length keep the header.
 */
final class DropContentLengthPolicy implements HttpPipelinePolicy {

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        strip(context.getHttpRequest());
        return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        strip(context.getHttpRequest());
        return next.processSync();
    }

    private static void strip(HttpRequest request) {
        BinaryData body = request.getBodyAsBinaryData();
        if (body == null || body.getLength() != null && body.isReplayable()) {
            request.getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
        }
    }
}
