// AspireP2P's stand-in for https://deno.land/std@0.159.0/http/server.ts (deno.land is not reachable here).
// Only what the tutorial's server.ts uses: serve(handler, { hostname, port, onListen }), on top of Deno.serve.
// Like std's serve it listens on 0.0.0.0:8000 unless told otherwise, and resolves when the server closes.

export type Handler = (
  request: Request,
  connInfo: { localAddr?: Deno.Addr; remoteAddr: Deno.Addr },
) => Response | Promise<Response>;

export interface ServeInit {
  hostname?: string;
  port?: number;
  signal?: AbortSignal;
  onError?: (error: unknown) => Response | Promise<Response>;
  onListen?: (params: { hostname: string; port: number }) => void;
}

export function serve(handler: Handler, options: ServeInit = {}): Promise<void> {
  const hostname = options.hostname ?? '0.0.0.0';
  const port = options.port ?? 8000;
  const server = Deno.serve(
    {
      hostname,
      port,
      signal: options.signal,
      onError: options.onError,
      onListen: () => {
        if (options.onListen) {
          options.onListen({ hostname, port });
        } else {
          console.log(`Listening on http://${hostname}:${port}/`);
        }
      },
    },
    (request, info) => handler(request, { remoteAddr: info.remoteAddr }),
  );
  return server.finished;
}
