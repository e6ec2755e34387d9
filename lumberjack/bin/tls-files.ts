/**
 * The PEM files both commands take for TLS (the receiver's certificate and client CA, the
 * sender's CA and client certificate): the same three options, read when the configuration is
 * loaded, a certificate never without its key.
 */
import { bothOrNeither, file, option, type Options } from '@beats-gate/kit';

const pem = file({ read: true });

export function tlsFileOptions(help: { cert: string; ca: string; caDefault?: string }) {
  return {
    tlsCertFile: option(pem, `${help.cert} (needs tlsKeyFile)`),
    tlsKeyFile: option(pem, 'PEM private key of that certificate'),
    tlsCaFile: option(
      pem,
      help.ca,
      help.caDefault === undefined ? {} : { defaultText: help.caDefault },
    ),
  };
}

type TlsFileTable = ReturnType<typeof tlsFileOptions>;

/** The files' contents, after checking that a certificate comes with its key. */
export function tlsFiles<O extends TlsFileTable>(options: Options<O>) {
  bothOrNeither(options, 'tlsCertFile', 'tlsKeyFile');
  const [cert, key, ca] = (['tlsCertFile', 'tlsKeyFile', 'tlsCaFile'] as const).map(
    (name) => options.value(name)?.content,
  );
  return {
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(ca ? { ca } : {}),
  };
}
