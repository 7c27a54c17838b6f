// The TypeScript SDK's own ceiling for bench/upload.sh: a server that reads each request body,
// drops it, and answers a file object of the size it is told, so the SDK's upload call completes
// with nothing on the server side costing more than reading the socket. Prints its port.
//
//   SIZE=<file size in bytes> node bench/upload-sink.mjs
import http from 'node:http';

const size = Number(process.env.SIZE);
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        id: 'file_sink',
        type: 'file',
        filename: 'sink',
        mime_type: 'application/octet-stream',
        size_bytes: size,
        created_at: new Date().toISOString(),
        downloadable: false,
      }),
    );
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
